import { readCredentials, type CertInfo } from './credentials.js';

/** A valid, unexpired pair is already in place and the caller did not ask to replace it. */
export class IdentityExistsError extends Error {
  constructor(readonly current: CertInfo) {
    super(`this PC already has a working identity (agent id ${current.agentId}, valid until ${current.notAfter}); replacing it must be confirmed`);
    this.name = 'IdentityExistsError';
  }
}

/** Refuses to go on over a working identity unless `replace` is set. A missing, broken or expired pair is no identity. */
export async function guardIdentity(mtlsDir: string, replace: boolean | undefined): Promise<void> {
  if (replace === true) return;
  const existing = await readCredentials(mtlsDir);
  if (existing.ok) throw new IdentityExistsError(existing.credentials.info);
}
