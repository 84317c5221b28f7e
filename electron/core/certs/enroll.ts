import { webcrypto } from 'node:crypto';
import { checkPair, type CertInfo } from '../../lib/certs/credentials.js';
import { guardIdentity } from '../../lib/certs/identity.js';
import { EnrollAnswer, httpsJson, IdAnswer, multipartFile, parseAnswer, provisioningUrl, ProvisioningError } from './provision-http.js';
import { storeCredentials } from '../../lib/certs/store.js';
import { EnrolStepError, type EnrolStep } from './enrol-errors.js';
import { toPem, x509 } from './x509.js';

export { IdentityExistsError } from '../../lib/certs/identity.js';
export { importCredentials } from './import.js';

export { DEFAULT_PROVISION_URL } from './provision-default.js';

export interface EnrollOptions {
  provisionUrl: string;
  mtlsDir: string;
  /** Server trust set (see trust.ts). */
  ca: string[];
  /** RSA modulus; docs/protocol.md §9.2 says 4096 (tests of everything but the key size use 2048). */
  modulusLength?: number;
  timeoutMs?: number;
  /** Called as soon as the id is known, so the user can start linking while the key is generated. */
  onId?: (id: OrchestratorId) => void;
  /** Called when the key and request are ready and the request goes to the cloud for signing. */
  onSubmit?: () => void;
  /** Replace a working identity; without it, enrolment over one is refused (IdentityExistsError). */
  replace?: boolean;
}

export interface OrchestratorId {
  id: string;
  expiresAt: string | null;
  expiresIn: number | null;
}

/** What enrolment and import report: never the key. */
export interface EnrollResult extends OrchestratorId {
  certificate: CertInfo;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** docs/protocol.md §9.2 subject, as a structured name so an id can never inject attributes. */
function subjectFor(id: string): Array<Record<string, string[]>> {
  return [{ C: ['BR'] }, { ST: ['SP'] }, { L: ['SaoPaulo'] }, { O: ['AutonomyLogic'] }, { OU: ['Production'] }, { CN: [id] }];
}

export async function requestOrchestratorId(opts: Pick<EnrollOptions, 'provisionUrl' | 'ca' | 'timeoutMs'>): Promise<OrchestratorId> {
  const url = provisioningUrl(opts.provisionUrl, '/orchestrators/id');
  const res = await httpsJson(url, { method: 'GET', ca: opts.ca, timeoutMs: opts.timeoutMs });
  if (res.status !== 200) throw new ProvisioningError(`${url.pathname}: HTTP ${res.status}`);
  const { data } = parseAnswer(IdAnswer, res.json, url.pathname);
  if (data.id === null || data.id === undefined || data.id.trim() === '') throw new ProvisioningError(`${url.pathname}: the answer carries no data.id`);
  return { id: data.id, expiresAt: data.expiresAt ?? null, expiresIn: data.expiresIn ?? null };
}

/** RSA key (async WebCrypto, so the event loop never stalls) and the docs/protocol.md §9.2 CSR. */
export async function generateKeyAndCsr(id: string, modulusLength = 4096): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await webcrypto.subtle.generateKey({ ...RSA, modulusLength, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subjectFor(id),
    keys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.dataEncipherment),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  const keyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { keyPem, csrPem: csr.toString('pem') };
}

export async function submitCsr(opts: Pick<EnrollOptions, 'provisionUrl' | 'ca' | 'timeoutMs'>, csrPem: string): Promise<string> {
  const url = provisioningUrl(opts.provisionUrl, '/orchestrators/enroll');
  const form = multipartFile('csr', 'client.csr', csrPem, 'application/x-pem-file');
  const res = await httpsJson(url, { method: 'POST', ca: opts.ca, timeoutMs: opts.timeoutMs, body: form.body, headers: { 'content-type': form.contentType } });
  if (res.status !== 200) throw new ProvisioningError(`${url.pathname}: HTTP ${res.status}${typeof res.json === 'object' ? `: ${JSON.stringify(res.json).slice(0, 200)}` : ''}`);
  const { data } = parseAnswer(EnrollAnswer, res.json, url.pathname);
  if (!data.certificate) throw new ProvisioningError(`${url.pathname}: the answer carries no data.certificate`);
  return data.certificate;
}

async function step<T>(name: EnrolStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new EnrolStepError(name, err);
  }
}

/**
 * The whole docs/protocol.md §9 flow: id, key, CSR, enrol, verify, store. A failure is an EnrolStepError naming its step
 * (the steps after it did not run); a refusal to replace a working identity stays an IdentityExistsError.
 */
export async function enroll(opts: EnrollOptions): Promise<EnrollResult> {
  await guardIdentity(opts.mtlsDir, opts.replace);
  const id = await step('id', () => requestOrchestratorId(opts));
  opts.onId?.(id);
  const { keyPem, csrPem } = await step('key', () => generateKeyAndCsr(id.id, opts.modulusLength));
  opts.onSubmit?.();
  return step('enrolled', async () => {
    const certPem = await submitCsr(opts, csrPem);
    const check = checkPair(certPem, keyPem, { expectedCn: id.id });
    if (!check.ok) throw new ProvisioningError(`the issued certificate was refused: ${check.reason}`);
    await storeCredentials(opts.mtlsDir, keyPem, certPem);
    return { ...id, certificate: check.credentials.info };
  });
}
