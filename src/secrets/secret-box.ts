// Seals the secrets Sekisho must be able to read back (ZIP passwords, download link tokens, TOTP
// secrets, DKIM private keys, the download-cookie secret) with AES-256-GCM under a key kept outside
// the database (key-file.ts). A sealed value is text, `sk1:<key id>:<base64url(iv | ciphertext | tag)>`:
// the version says how it was sealed, the key id which key opens it, so keys can be rotated. Each
// value is bound to its purpose (GCM additional data), so a value copied into another column fails.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'sk1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const SEALED_RE = /^sk(\d+):([0-9a-f]{8}):([A-Za-z0-9_-]+)$/;

/** What a sealed value is for; it is authenticated with the value. */
export type SecretPurpose =
  | 'zip-password'
  | 'download-token'
  | 'totp-secret'
  | 'dkim-private-key'
  | 'download-session-secret'
  | 'webhook-secret';

export interface SecretKey {
  /** 8 hex digits derived from the key itself (keyIdOf) */
  id: string;
  key: Buffer;
}

export class SecretKeyMissingError extends Error {}

/** The id of a key: derived from it, so a key file whose lines were mixed up is noticed. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('sekisho secrets key id\0').update(key).digest('hex').slice(0, 8);
}

export function newSecretKey(): SecretKey {
  const key = randomBytes(KEY_BYTES);
  return { id: keyIdOf(key), key };
}

/** True for text sealed by some version of SecretBox; anything else is a value kept in clear. */
export function isSealed(value: string): boolean {
  return SEALED_RE.test(value);
}

export class SecretBox {
  private readonly byId: Map<string, Buffer>;
  /** the key new values are sealed with (the key file's last) */
  readonly current: SecretKey;

  /**
   * @param keys every key that may open a value, oldest first; the last one seals
   * @param where where the keys came from, for error messages (the key file's path)
   */
  constructor(
    readonly keys: SecretKey[],
    readonly where = 'the secrets key file',
  ) {
    if (keys.length === 0) throw new Error('a SecretBox needs at least one key');
    for (const k of keys) if (k.key.length !== KEY_BYTES) throw new Error(`secrets key ${k.id} is not ${KEY_BYTES} bytes`);
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.current = keys[keys.length - 1]!;
  }

  seal(purpose: SecretPurpose, plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(purpose));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}:${this.current.id}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /**
   * The plain text of a sealed value. Values written before secrets were sealed are returned as
   * they are (the start-up pass in reseal.ts seals them). Throws when the key is not in the key
   * file or the value was altered.
   */
  open(purpose: SecretPurpose, stored: string): string {
    const m = SEALED_RE.exec(stored);
    if (!m) return stored;
    const [, version, id, payload] = m as unknown as [string, string, string, string];
    if (`sk${version}` !== VERSION) throw new Error(`sealed ${purpose} has an unknown format (sk${version}); is this Sekisho too old?`);
    const key = this.byId.get(id);
    if (!key) {
      throw new SecretKeyMissingError(
        `a ${purpose} was sealed with secrets key ${id}, which ${this.where} does not hold: ` +
          'every node needs the same key file (docs/security.md)',
      );
    }
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error(`sealed ${purpose} is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(purpose));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`sealed ${purpose} could not be opened with secrets key ${id}: altered, or sealed for another purpose`);
    }
  }

  /** How every value sealed with the current key begins. */
  get currentPrefix(): string {
    return `${VERSION}:${this.current.id}:`;
  }

  /** Sealed with the current key: nothing for the re-seal pass to do. */
  isCurrent(stored: string): boolean {
    return stored.startsWith(this.currentPrefix);
  }
}
