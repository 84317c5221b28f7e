import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { checkPair, toPkcs8Pem } from '../../lib/certs/credentials.js';
import { guardIdentity } from '../../lib/certs/identity.js';
import { storeCredentials } from '../../lib/certs/store.js';
import type { EnrollResult } from './enroll.js';

export class CredentialImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialImportError';
  }
}

/**
 * Import of an existing pair (docs/protocol.md §9.6), e.g. from a reference installation; the key is stored as PKCS#8.
 * Over a working identity only with `replace` (IdentityExistsError otherwise).
 */
export async function importCredentials(opts: { mtlsDir: string; keyFile: string; certFile: string; replace?: boolean }): Promise<EnrollResult> {
  await guardIdentity(opts.mtlsDir, opts.replace);
  const [keyPem, certPem] = await Promise.all([fs.readFile(opts.keyFile, 'utf8'), fs.readFile(opts.certFile, 'utf8')]);
  const check = checkPair(certPem, keyPem);
  if (!check.ok) throw new CredentialImportError(`cannot import this pair: ${check.reason}`);
  await storeCredentials(opts.mtlsDir, toPkcs8Pem(createPrivateKey(keyPem)), certPem);
  const info = check.credentials.info;
  return { id: info.agentId, expiresAt: null, expiresIn: null, certificate: info };
}
