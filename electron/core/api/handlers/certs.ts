import { promises as fs } from 'node:fs';
// Enrolment and import load a certificate library of several MB: only when asked (docs/decisions.md "Bundled entries").
import type { EnrollResult } from '../../certs/enroll.js';
import { IdentityExistsError } from '../../../lib/certs/identity.js';
import { explainEnrolError } from '../../certs/enrol-errors.js';
import { readCredentials, type CertInfo } from '../../../lib/certs/credentials.js';
import { expiryWarning } from '../../../lib/certs/expiry.js';
import { loadTrustSet, splitPemBundle } from '../../../lib/certs/trust.js';
import type { EffectiveSetting } from '../../settings/sources.js';
import type { EventHub } from '../event-hub.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';
import { applyPatch, type SettingsAccess } from './settings.js';

export type CertsAccess = {
  mtlsDir: string;
  provisionUrl: string;
  caFile: string | undefined;
  events: EventHub;
  /** Where a CA file that made enrolment work is saved (cloud.caFile), for the cloud link's next start. */
  settings: SettingsAccess;
  /** The effective cloud.caFile and its source: a flag or variable wins over what is saved. */
  caFileSetting: EffectiveSetting | undefined;
};

const view = (c: CertInfo): CertInfo & { expiry: ReturnType<typeof expiryWarning> } => ({ ...c, expiry: expiryWarning(c.notAfter) });
const refusal = (err: IdentityExistsError): ApiFailure =>
  new ApiFailure('CONFLICT', `${err.message}; send replace: true to replace it`, 'replace');

const enrollView = (r: EnrollResult): { id: string; expiresAt: string | null; certificate: CertInfo } => ({ id: r.id, expiresAt: r.expiresAt, certificate: r.certificate });

/** A CA file the person named: readable and holding at least one PEM certificate, or a refusal naming the field. */
async function checkedCaFile(file: string): Promise<void> {
  if (!file.startsWith('/')) throw new ApiFailure('VALIDATION', `caFile: give the full path of the CA file on this PC (got ${file})`, 'caFile');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ApiFailure('VALIDATION', `caFile: ${file} cannot be read by the agent (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'caFile');
  }
  try {
    splitPemBundle(text, file);
  } catch (err) {
    throw new ApiFailure('VALIDATION', `caFile: ${(err as Error).message}; give a PEM file with the CA certificate(s)`, 'caFile');
  }
}

/** Keeps a CA file that worked in the settings file, unless the agent already runs with it; says what happens next. */
async function rememberCaFile(a: CertsAccess, file: string): Promise<{ saved: boolean; message: string }> {
  const running = a.caFileSetting;
  if (running?.value === file) return { saved: false, message: `The agent already uses ${file} as its CA file.` };
  const overridden = running && (running.source === 'flag' || running.source === 'env') ? running.via : undefined;
  const l = await a.settings.load();
  if (!l.writable) return { saved: false, message: `${file} was not saved as the CA file (${l.readOnlyReason ?? 'the settings file is read-only'}); start the agent with --ca-file ${file} so the cloud link trusts the cloud.` };
  await a.settings.save(applyPatch(l.settings, { cloud: { caFile: file } }));
  return {
    saved: true,
    message: overridden
      ? `Saved ${file} as cloud.caFile in the settings file, but the agent is started with ${overridden}, which wins; change that to ${file}.`
      : `Saved ${file} as cloud.caFile in the settings file; the cloud link uses it after the agent restarts.`,
  };
}

/** Enrolment for the UI (docs/protocol.md §9): certificate facts only; the private key never leaves this process. */
export function registerCerts(registry: ApiRegistry, a: CertsAccess): void {
  registry.register('certs:info', async () => {
    const c = await readCredentials(a.mtlsDir);
    if (c.ok) return view(c.credentials.info);
    if (c.missing) return null;
    throw new ApiFailure('CONFLICT', `The credentials in ${a.mtlsDir} are not usable: ${c.reason}`);
  });
  registry.register('certs:enroll', async ({ provisionUrl, replace, caFile }) => {
    if (caFile !== undefined) await checkedCaFile(caFile);
    const trustFile = caFile ?? a.caFile;
    const url = provisionUrl ?? a.provisionUrl;
    const ca = await loadTrustSet(trustFile ? { caFile: trustFile } : {});
    let r: EnrollResult;
    try {
      const { enroll } = await import('../../certs/enroll.js');
      r = await enroll({
        provisionUrl: url,
        mtlsDir: a.mtlsDir,
        ca,
        ...(replace === undefined ? {} : { replace }),
        onId: (id) => {
          a.events.publish('certs:progress', { step: 'id', id: id.id });
          a.events.publish('certs:progress', { step: 'key', id: id.id });
        },
        onSubmit: () => a.events.publish('certs:progress', { step: 'submit' }),
      });
    } catch (err) {
      if (err instanceof IdentityExistsError) throw refusal(err);
      const e = explainEnrolError(err, { provisionUrl: url, caFile: trustFile });
      throw new ApiFailure('UNAVAILABLE', e.message, e.field);
    }
    a.events.publish('certs:progress', { step: 'enrolled', id: r.id });
    const saved = caFile !== undefined ? await rememberCaFile(a, caFile).catch((err: unknown) => ({ saved: false, message: `${caFile} was not saved as the CA file: ${String(err)}` })) : undefined;
    return { ...enrollView(r), ...(saved ? { caFile: saved } : {}) };
  });
  registry.register('certs:import', async ({ keyFile, certFile, replace }) => {
    try {
      const { importCredentials } = await import('../../certs/import.js');
      return enrollView(await importCredentials({ mtlsDir: a.mtlsDir, keyFile, certFile, ...(replace === undefined ? {} : { replace }) }));
    } catch (err) {
      if (err instanceof IdentityExistsError) throw refusal(err);
      throw new ApiFailure('VALIDATION', err instanceof Error ? err.message : String(err));
    }
  });
}
