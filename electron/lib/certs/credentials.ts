import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pairFiles } from './layout.js';

export { credentialPaths } from './layout.js';

/** OID of the clientAuth extended key usage. */
export const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** What may be shown about a client certificate (UI, CLI, logs). Never the key. */
export interface CertInfo {
  agentId: string;
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER certificate, colon-separated uppercase hex (docs/protocol.md §9.6). */
  fingerprint256: string;
}

/**
 * A validated client key + certificate pair. `tls` holds the PEM material for this process's TLS stack
 * only; no API hands it to the UI, the log or another process.
 */
export interface ClientCredentials {
  info: CertInfo;
  tls: { readonly cert: string; readonly key: string };
}

export type CredentialCheck = { ok: true; credentials: ClientCredentials } | { ok: false; reason: string; missing?: boolean };

export function defaultMtlsDir(): string {
  return path.join(os.homedir(), '.mtls');
}

/** The value of the first `CN` attribute of a Node subject string (`C=BR\nST=SP\n…\nCN=07048933`). */
export function firstCn(subject: string): string | null {
  for (const line of subject.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  return null;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function certInfo(cert: X509Certificate): CertInfo {
  return {
    agentId: firstCn(cert.subject) ?? '',
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
  };
}

/** PKCS#8 PEM of any private key Node can read (PKCS#8 or PKCS#1). */
export function toPkcs8Pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * Checks a pair as docs/protocol.md §2.7/§9.6 require: both parse, the key matches the certificate, the certificate is
 * within its validity period, its EKU includes clientAuth and its subject has a CN (optionally the expected one).
 */
export function checkPair(certPem: string, keyPem: string, opts: { now?: number; expectedCn?: string } = {}): CredentialCheck {
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    return { ok: false, reason: `the certificate does not parse: ${errText(err)}` };
  }
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    return { ok: false, reason: `the private key does not parse: ${errText(err)}` };
  }
  if (!cert.checkPrivateKey(key)) return { ok: false, reason: 'the private key does not belong to the certificate' };
  const now = opts.now ?? Date.now();
  if (now < Date.parse(cert.validFrom)) return { ok: false, reason: `the certificate is not valid before ${cert.validFrom}` };
  if (now > Date.parse(cert.validTo)) return { ok: false, reason: `the certificate expired on ${cert.validTo}` };
  const eku = cert.keyUsage;
  if (!eku?.includes(CLIENT_AUTH_OID)) return { ok: false, reason: 'the certificate is not valid for client authentication (EKU clientAuth missing)' };
  const cn = firstCn(cert.subject);
  if (cn === null || cn.trim() === '') return { ok: false, reason: 'the certificate subject has no CN (the orchestrator id)' };
  if (opts.expectedCn !== undefined && cn !== opts.expectedCn) {
    return { ok: false, reason: `the certificate CN ${cn} is not the orchestrator id ${opts.expectedCn}` };
  }
  const credentials = { info: certInfo(cert) } as ClientCredentials;
  // Not enumerable: a careless log line or JSON.stringify of the credentials never shows the key.
  Object.defineProperty(credentials, 'tls', { value: Object.freeze({ cert: certPem, key: keyPem }), enumerable: false });
  return { ok: true, credentials };
}

/** Reads and checks the current key and certificate of an mTLS directory (layout.ts). */
export async function readCredentials(dir: string, now?: number): Promise<CredentialCheck> {
  let certPem: string;
  let keyPem: string;
  try {
    [certPem, keyPem] = await readPair(dir);
  } catch (err) {
    const missing = (err as { code?: unknown }).code === 'ENOENT';
    return { ok: false, missing, reason: missing ? `no client certificate and key in ${dir} (enrol first)` : `cannot read ${dir}: ${errText(err)}` };
  }
  return checkPair(certPem, keyPem, now === undefined ? {} : { now });
}

async function readPair(dir: string): Promise<[string, string]> {
  const read = async (): Promise<[string, string]> => {
    const files = await pairFiles(dir);
    return Promise.all([fs.readFile(files.cert, 'utf8'), fs.readFile(files.key, 'utf8')]);
  };
  try {
    return await read();
  } catch (err) {
    // The generation just read from may have been pruned after a newer one was published: read the new one.
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
    return read();
  }
}
