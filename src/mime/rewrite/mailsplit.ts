// Typed access to mailsplit (it ships no TypeScript types): the Splitter that turns a raw
// message stream into header/body/boundary chunks without decoding anything, so parts we do
// not rewrite are passed on as the very bytes that came in.
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';

export interface MimeHeaders {
  get(key: string): string[];
  getFirst(key: string): string;
  hasHeader(key: string): boolean;
  update(key: string, value: string): void;
  remove(key: string): void;
  add(key: string, value: string, index?: number): void;
  getList(): Array<{ key: string; line: string }>;
}

export interface MimeNode {
  type: 'node';
  root: boolean;
  parentNode: MimeNode | undefined;
  headers: MimeHeaders;
  contentType: string | false;
  charset: string | false;
  encoding: string | false;
  disposition: string | false;
  filename: string | false;
  multipart: string | false;
  /** boundary of this multipart node (mailsplit internal, stable since 2016) */
  _boundary: Buffer | false;
  getHeaders(): Buffer;
  /** a stream that decodes the transfer encoding of body chunks written to it */
  getDecoder(): Transform;
  setCharset(charset: string): void;
}

/** boundary lines, preambles and epilogues between parts */
export interface SplitterData {
  type: 'data';
  value: Buffer;
}

/** a chunk of the current leaf part's body, still transfer-encoded */
export interface SplitterBody {
  type: 'body';
  value: Buffer;
}

export type SplitterOutput = MimeNode | SplitterData | SplitterBody;

interface MailsplitModule {
  Splitter: new (options?: { ignoreEmbedded?: boolean; maxHeadSize?: number }) => Transform;
}

const mailsplit = createRequire(import.meta.url)('mailsplit') as MailsplitModule;

/** message/rfc822 parts are kept as one leaf: a forwarded mail is never rewritten inside. */
export function createSplitter(): Transform {
  return new mailsplit.Splitter({ ignoreEmbedded: true, maxHeadSize: 1024 * 1024 });
}
