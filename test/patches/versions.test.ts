// applyPatches() (src/patches/index.ts) runs only on the library versions its patches were written
// for: the installed ones match package.json's pins, and any other version stops the start with
// one line naming the library, both versions and what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PATCHES, PatchedLibraryMismatch, applyPatches, installedVersion } from '../../src/patches/index.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };

test('each patch is written for the version package.json pins, and that version is installed', () => {
  for (const p of PATCHES) {
    assert.equal(pkg.dependencies[p.library], p.writtenFor, `package.json pin of ${p.library}`);
    assert.equal(installedVersion(p.library), p.writtenFor, `installed ${p.library}`);
  }
});

test('another installed version is refused before any patch is applied', () => {
  const upgraded = (library: string) => (library === 'nodemailer' ? '10.7.0' : installedVersion(library));
  assert.throws(
    () => applyPatches(upgraded),
    (e: unknown) =>
      e instanceof PatchedLibraryMismatch && /nodemailer 10\.7\.0 is installed/.test(e.message) && /written for 10\.6\.1/.test(e.message),
  );
  applyPatches(); // the real versions pass
});
