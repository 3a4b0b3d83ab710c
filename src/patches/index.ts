// The changes Sekisho makes to five libraries' behaviour (smtp-server, nodemailer, postal-mime,
// mailauth, punycode.js), applied by one applyPatches() when a process or analysis thread starts.
// Each patch was written against one exact version (the one package.json pins); applyPatches()
// refuses — throws, so `sekisho start` stops with one line — when another version is installed,
// because a patch that reaches into a library's internals must be re-read before it runs on code
// it was not made for.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { patchMailauth } from './mailauth.ts';
import { patchNodemailer } from './nodemailer.ts';
import { patchPostalMime } from './postal-mime.ts';
import { patchPunycode } from './punycode.ts';
import { patchSmtpServer } from './smtp-server.ts';

/** Each patched library with the version its patch was written for. */
export const PATCHES = [
  { library: 'smtp-server', writtenFor: '3.21.6', apply: patchSmtpServer },
  { library: 'nodemailer', writtenFor: '10.6.1', apply: patchNodemailer },
  { library: 'postal-mime', writtenFor: '4.0.0', apply: patchPostalMime },
  { library: 'mailauth', writtenFor: '7.1.0', apply: patchMailauth },
  { library: 'punycode.js', writtenFor: '2.3.1', apply: patchPunycode },
] as const;

export class PatchedLibraryMismatch extends Error {
  constructor(library: string, installed: string, writtenFor: string) {
    super(
      `${library} ${installed} is installed, but Sekisho's patch of it (src/patches/) was written for ${writtenFor}: ` +
        'install the version package.json pins (npm ci), or re-check the patch and update its version',
    );
    this.name = 'PatchedLibraryMismatch';
  }
}

/** The version in the installed package's package.json. */
export function installedVersion(library: string): string {
  const file = fileURLToPath(import.meta.resolve(`${library}/package.json`));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

let applied = false;

/** Checks every patched library's version, then applies all patches (once per process or thread). */
export function applyPatches(versionOf: (library: string) => string = installedVersion): void {
  if (applied) return;
  for (const p of PATCHES) {
    const installed = versionOf(p.library);
    if (installed !== p.writtenFor) throw new PatchedLibraryMismatch(p.library, installed, p.writtenFor);
  }
  for (const p of PATCHES) p.apply();
  applied = true;
}
