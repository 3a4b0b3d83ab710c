// TLS material for STARTTLS: the configured PEM pair, or a self-signed RSA certificate
// generated once into <dataDir>/tls (smtp-server's bundled certificate expired in 2025), a 0700
// directory of 0600 files like the rest of the data dir.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { ensurePrivateDir, PRIVATE_FILE_MODE, restrictFile } from '../util/private-files.ts';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
}

export async function loadOrCreateTls(opts: {
  dataDir: string;
  hostname: string;
  certFile?: string;
  keyFile?: string;
}): Promise<TlsMaterial> {
  if (opts.certFile || opts.keyFile) {
    if (!opts.certFile || !opts.keyFile) throw new Error('set both tlsCert and tlsKey (or neither)');
    return { cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) };
  }
  const { dir, certFile: certPath, keyFile: keyPath } = generatedPairFiles(opts.dataDir);
  ensurePrivateDir(opts.dataDir);
  ensurePrivateDir(dir);
  if (existsSync(certPath) && existsSync(keyPath)) {
    restrictFile(keyPath);
    restrictFile(certPath);
    return { cert: readFileSync(certPath), key: readFileSync(keyPath) };
  }
  const { cert, key } = await selfSigned(opts.hostname);
  writeFileSync(keyPath, key, { mode: PRIVATE_FILE_MODE });
  writeFileSync(certPath, cert, { mode: PRIVATE_FILE_MODE });
  return { cert: Buffer.from(cert), key: Buffer.from(key) };
}

/** Where the generated self-signed pair lives (when the configuration names no tlsCert/tlsKey). */
export function generatedPairFiles(dataDir: string): { dir: string; certFile: string; keyFile: string } {
  const dir = join(dataDir, 'tls');
  return { dir, certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
}

export interface TlsFiles {
  dataDir: string;
  hostname: string;
  certFile?: string;
  keyFile?: string;
}

/** The TLS files a configuration names (tlsCert/tlsKey, or the pair generated into dataDir/tls). */
export function tlsFilesOf(config: { dataDir: string; hostname: string; tlsCert?: string; tlsKey?: string }): TlsFiles {
  return { dataDir: config.dataDir, hostname: config.hostname, certFile: config.tlsCert, keyFile: config.tlsKey };
}

/**
 * The pair, checked: a key that does not match its certificate (a renewal copied halfway) throws
 * here, before anything uses it.
 */
export async function loadCheckedTls(files: TlsFiles): Promise<TlsMaterial> {
  const pair = await loadOrCreateTls(files);
  createSecureContext(pair);
  return pair;
}

export async function selfSigned(hostname: string): Promise<{ cert: string; key: string }> {
  // The key comes from node:crypto (native, fast); forge only assembles and signs the certificate.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  certificate.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  const now = Date.now();
  certificate.validity.notBefore = new Date(now - 86_400_000);
  certificate.validity.notAfter = new Date(now + 10 * 365 * 86_400_000);
  const attrs = [{ name: 'commonName', value: hostname }];
  certificate.setSubject(attrs);
  certificate.setIssuer(attrs);
  certificate.setExtensions([{ name: 'subjectAltName', altNames: [{ type: 2, value: hostname }] }]);
  certificate.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(certificate), key };
}
