/**
 * Enrolment failures in words a person can act on: which step failed, why, and what to change (docs/enrolment.md).
 * Used by the API's certs:enroll and available to the CLI's `enroll`.
 */

export type EnrolStep = 'id' | 'key' | 'enrolled';

export const STEP_LABELS: Record<EnrolStep, string> = {
  id: 'asking the cloud for an agent ID',
  key: 'generating the private key and certificate request',
  enrolled: 'receiving the signed certificate',
};

/** A failure of one step of enroll(); the steps after it did not run. */
export class EnrolStepError extends Error {
  override name = 'EnrolStepError';
  constructor(
    readonly step: EnrolStep,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export type EnrolCause = 'ca' | 'clock' | 'hostname' | 'network' | 'other';

export type EnrolErrorExplained = {
  step: EnrolStep | null;
  cause: EnrolCause;
  /** One sentence: the step, what went wrong and the fix. */
  message: string;
  /** The enrolment form field the fix concerns. */
  field?: 'caFile' | 'provisionUrl';
};

const CA_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED']);
const CLOCK_CODES = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ESOCKETTIMEDOUT']);

/** The first `code` along the error's cause chain (Node puts TLS and socket codes there). */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function hostPort(provisionUrl: string): string {
  try {
    const u = new URL(provisionUrl);
    return `${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return provisionUrl;
  }
}

/**
 * Maps a failure of enroll() to its cause and fix. `caFile`: the CA file this attempt trusted, if any; `now`: this PC's
 * clock, named in a clock error so the person sees what the PC believes.
 */
export function explainEnrolError(err: unknown, ctx: { provisionUrl: string; caFile?: string | undefined; now?: Date }): EnrolErrorExplained {
  const step = err instanceof EnrolStepError ? err.step : null;
  const code = codeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const where = hostPort(ctx.provisionUrl);
  const during = step ? `Enrolment stopped while ${STEP_LABELS[step]}` : 'Enrolment failed';
  if (code && CA_CODES.has(code)) {
    const fix = ctx.caFile
      ? `the CA file ${ctx.caFile} does not hold the CA that signed it: set the CA file to the PEM of that CA`
      : 'set the CA file to the PEM of the CA that signed it (the CA file field here, or --ca-file / VPLC_CA_FILE for the agent)';
    return { step, cause: 'ca', field: 'caFile', message: `${during}: the certificate of ${where} is signed by a CA this PC does not trust (${code}); ${fix}.` };
  }
  if (code && CLOCK_CODES.has(code)) {
    const state = code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet';
    const now = (ctx.now ?? new Date()).toISOString();
    return { step, cause: 'clock', message: `${during}: the certificate of ${where} ${state} by this PC's clock (${now}); check this PC's date and time (timedatectl), or ask the cloud's operator to renew its certificate if the clock is right.` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { step, cause: 'hostname', field: 'provisionUrl', message: `${during}: the certificate of ${where} is not issued for that name (${detail}); use the provisioning address with the host name the certificate names.` };
  }
  if (code && NETWORK_CODES.has(code)) {
    return { step, cause: 'network', field: 'provisionUrl', message: `${during}: cannot reach ${where} (${code}); check the provisioning URL, this PC's network, DNS and proxy/firewall for ${where}.` };
  }
  return { step, cause: 'other', message: `${during}: ${detail}` };
}
