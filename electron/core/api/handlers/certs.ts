import { enroll, IdentityExistsError, importCredentials, type EnrollResult } from '../../certs/enroll.js';
import { readCredentials, type CertInfo } from '../../../lib/certs/credentials.js';
import { expiryWarning } from '../../../lib/certs/expiry.js';
import { loadTrustSet } from '../../../lib/certs/trust.js';
import type { EventHub } from '../event-hub.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';

export type CertsAccess = { mtlsDir: string; provisionUrl: string; caFile: string | undefined; events: EventHub };

const view = (c: CertInfo): CertInfo & { expiry: ReturnType<typeof expiryWarning> } => ({ ...c, expiry: expiryWarning(c.notAfter) });
const refusal = (err: IdentityExistsError): ApiFailure =>
  new ApiFailure('CONFLICT', `${err.message}; send replace: true to replace it`, 'replace');

const enrollView = (r: EnrollResult): { id: string; expiresAt: string | null; certificate: CertInfo } => ({ id: r.id, expiresAt: r.expiresAt, certificate: r.certificate });

/** Enrolment for the UI (docs/protocol.md §9): certificate facts only; the private key never leaves this process. */
export function registerCerts(registry: ApiRegistry, a: CertsAccess): void {
  registry.register('certs:info', async () => {
    const c = await readCredentials(a.mtlsDir);
    if (c.ok) return view(c.credentials.info);
    if (c.missing) return null;
    throw new ApiFailure('CONFLICT', `The credentials in ${a.mtlsDir} are not usable: ${c.reason}`);
  });
  registry.register('certs:enroll', async ({ provisionUrl, replace }) => {
    const ca = await loadTrustSet(a.caFile ? { caFile: a.caFile } : {});
    try {
      const r = await enroll({
        provisionUrl: provisionUrl ?? a.provisionUrl,
        mtlsDir: a.mtlsDir,
        ca,
        ...(replace === undefined ? {} : { replace }),
        onId: (id) => {
          a.events.publish('certs:progress', { step: 'id', id: id.id });
          a.events.publish('certs:progress', { step: 'key', id: id.id });
        },
      });
      a.events.publish('certs:progress', { step: 'enrolled', id: r.id });
      return enrollView(r);
    } catch (err) {
      if (err instanceof IdentityExistsError) throw refusal(err);
      throw new ApiFailure('UNAVAILABLE', `Enrolment failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  registry.register('certs:import', async ({ keyFile, certFile, replace }) => {
    try {
      return enrollView(await importCredentials({ mtlsDir: a.mtlsDir, keyFile, certFile, ...(replace === undefined ? {} : { replace }) }));
    } catch (err) {
      if (err instanceof IdentityExistsError) throw refusal(err);
      throw new ApiFailure('VALIDATION', err instanceof Error ? err.message : String(err));
    }
  });
}
