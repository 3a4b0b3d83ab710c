// The secrets box and its key file: AES-256-GCM values that name their key, bound to their purpose,
// refused when altered; values kept in clear by older versions read as they are; the key file
// created once with mode 0600 (processes starting together get the same key), refused when
// garbled, rotated by appending a key that seals while the old ones still open.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSealed, newSecretKey, SecretBox, SecretKeyMissingError } from '../../src/secrets/secret-box.ts';
import { loadOrCreateKeyFile, rotateKeyFile } from '../../src/secrets/key-file.ts';

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'sekisho-secrets-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('secret box', () => {
  const box = new SecretBox([newSecretKey()]);

  it('seals to text that names version and key, differently each time, and opens again', () => {
    const plain = 'Zq7#mPw2-Kx9@ab ①日本語';
    const a = box.seal('zip-password', plain);
    const b = box.seal('zip-password', plain);
    assert.match(a, new RegExp(`^sk1:${box.current.id}:[A-Za-z0-9_-]+$`));
    assert.notEqual(a, b, 'a fresh IV every time');
    assert.ok(!a.includes(plain) && isSealed(a));
    assert.equal(box.open('zip-password', a), plain);
    assert.ok(box.isCurrent(a));
  });

  it('a value opens only for its own purpose, and not once altered', () => {
    const sealed = box.seal('totp-secret', 'JBSWY3DPEHPK3PXP');
    assert.throws(() => box.open('dkim-private-key', sealed), /could not be opened/);
    const body = sealed.split(':')[2]!;
    const flipped = `${sealed.slice(0, -body.length)}${body[0] === 'A' ? 'B' : 'A'}${body.slice(1)}`;
    assert.throws(() => box.open('totp-secret', flipped), /could not be opened/);
  });

  it('values an older version kept in clear are read as they are', () => {
    for (const legacy of [
      'JBSWY3DPEHPK3PXP',
      'q1Ww-_x9AbCdEfGhIjKlMnOpQrStUv',
      '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
      'Ab3#x%+-=@Yz',
    ]) {
      assert.ok(!isSealed(legacy));
      assert.equal(box.open('zip-password', legacy), legacy);
      assert.ok(!box.isCurrent(legacy));
    }
  });

  it('a value sealed with a key this node does not have says which key and what to do', () => {
    const other = new SecretBox([newSecretKey()], '/etc/sekisho/secretsKey');
    const sealed = box.seal('download-token', 'token');
    assert.throws(
      () => other.open('download-token', sealed),
      (err: unknown) =>
        err instanceof SecretKeyMissingError &&
        err.message.includes(box.current.id) &&
        err.message.includes('/etc/sekisho/secretsKey') &&
        /same key file/.test(err.message),
    );
  });
});

describe('secrets key file', () => {
  it('created once with mode 0600; loading again and a second process get the same key', () => {
    withDir((dir) => {
      const path = join(dir, 'data', 'secretsKey');
      const { box: first, created } = loadOrCreateKeyFile(path);
      assert.equal(created, true);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
      const { box: again, created: again2 } = loadOrCreateKeyFile(path);
      assert.equal(again2, false, 'a second process uses the file the first one made');
      assert.equal(again.current.id, first.current.id);
      assert.equal(again.open('zip-password', first.seal('zip-password', 'pw')), 'pw');
      assert.match(readFileSync(path, 'utf8'), /^# Sekisho secrets key/);
    });
  });

  it('a key file readable by others is tightened to 0600', () => {
    withDir((dir) => {
      const path = join(dir, 'secretsKey');
      loadOrCreateKeyFile(path);
      writeFileSync(path, readFileSync(path), { mode: 0o644 });
      loadOrCreateKeyFile(path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
    });
  });

  it('a garbled key file is refused with the line, never replaced', () => {
    withDir((dir) => {
      const path = join(dir, 'secretsKey');
      const { box } = loadOrCreateKeyFile(path);
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(box.current.id, '00000000'));
      assert.throws(() => loadOrCreateKeyFile(path), /secretsKey line 4: not a secrets key/);
      writeFileSync(path, '# nothing\n');
      assert.throws(() => loadOrCreateKeyFile(path), /holds no secrets key/);
      assert.equal(readFileSync(path, 'utf8'), '# nothing\n');
    });
  });

  it('rotation appends a key: it seals from then on, the old one still opens', () => {
    withDir((dir) => {
      const path = join(dir, 'secretsKey');
      const { box: before } = loadOrCreateKeyFile(path);
      const old = before.seal('dkim-private-key', 'pem');
      const added = rotateKeyFile(path);
      const { box: after } = loadOrCreateKeyFile(path);
      assert.equal(after.current.id, added.id);
      assert.notEqual(added.id, before.current.id);
      assert.equal(after.open('dkim-private-key', old), 'pem');
      assert.ok(!after.isCurrent(old));
      assert.ok(after.isCurrent(after.seal('dkim-private-key', 'pem')));
      assert.equal(statSync(path).mode & 0o777, 0o600);
    });
  });
});
