import { defaultMtlsDir, credentialPaths } from '../lib/certs/credentials.js';
import { explainEnrolError } from '../core/certs/enrol-errors.js';
import { DEFAULT_PROVISION_URL, enroll, IdentityExistsError, importCredentials, type EnrollResult } from '../core/certs/enroll.js';
import { expiryWarning } from '../lib/certs/expiry.js';
import { loadTrustSet } from '../lib/certs/trust.js';
import { humanDate } from './dates.js';

import { ENROLL_USAGE } from './enroll-usage.js';

export { ENROLL_USAGE };

export interface EnrollIo {
  out(line: string): void;
  err(line: string): void;
}

const stdio: EnrollIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

const VALUE_FLAGS: ReadonlySet<string> = new Set(['provision-url', 'mtls-dir', 'ca-file', 'import-key', 'import-cert', 'key-bits']);
const SWITCHES: ReadonlySet<string> = new Set(['force']);

function parseFlags(argv: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const [key, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (SWITCHES.has(key)) {
      if (inline !== undefined) throw new Error(`--${key} takes no value`);
      flags.set(key, 'true');
      continue;
    }
    if (!VALUE_FLAGS.has(key)) throw new Error(`unknown option --${key}`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${key} needs a value`);
    flags.set(key, value);
  }
  return flags;
}

function report(io: EnrollIo, r: EnrollResult, dir: string, now: Date): void {
  const c = r.certificate;
  io.out(`certificate stored in ${credentialPaths(dir).cert} (key: ${credentialPaths(dir).key}, mode 0600)`);
  io.out(`  orchestrator id (CN): ${c.agentId}`);
  io.out(`  issuer:               ${c.issuer}`);
  io.out(`  valid until:          ${humanDate(c.notAfter, now)}`);
  io.out(`  SHA-256 fingerprint:  ${c.fingerprint256}`);
  const w = expiryWarning(c.notAfter);
  if (w.message) io.err(`warning: ${w.message}`);
}

/**
 * `vplc-orchestrator enroll …`: enrolment or import. Returns the exit code (0 ok, 1 failed, 2 usage).
 * A running agent picks the new pair up by itself (hot reload); no restart is needed.
 */
export async function runEnroll(argv: string[], io: EnrollIo = stdio, env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): Promise<number> {
  let flags: Map<string, string>;
  try {
    flags = parseFlags(argv);
  } catch (err) {
    io.err(`vplc-orchestrator enroll: ${(err as Error).message}\n\n${ENROLL_USAGE}`);
    return 2;
  }
  const mtlsDir = flags.get('mtls-dir') ?? (env.VPLC_MTLS_DIR || defaultMtlsDir());
  const replace = flags.has('force');
  const importKey = flags.get('import-key');
  const importCert = flags.get('import-cert');
  const provisionUrl = flags.get('provision-url') ?? (env.VPLC_PROVISION_URL || DEFAULT_PROVISION_URL);
  let caFile: string | undefined;
  try {
    if (importKey !== undefined || importCert !== undefined) {
      if (importKey === undefined || importCert === undefined) {
        io.err(`vplc-orchestrator enroll: --import-key and --import-cert go together\n\n${ENROLL_USAGE}`);
        return 2;
      }
      const r = await importCredentials({ mtlsDir, keyFile: importKey, certFile: importCert, replace });
      io.out('imported the existing key and certificate (they belong together and are valid for client authentication)');
      report(io, r, mtlsDir, now());
      return 0;
    }
    caFile = flags.get('ca-file') ?? (env.VPLC_CA_FILE || undefined);
    const ca = await loadTrustSet(caFile ? { caFile } : {});
    const bits = Number(flags.get('key-bits') ?? 4096);
    const r = await enroll({
      provisionUrl,
      mtlsDir,
      ca,
      modulusLength: bits,
      replace,
      onId: (id) => {
        io.out(`orchestrator id: ${id.id}`);
        const until = id.expiresAt ?? (id.expiresIn !== null ? new Date(now().getTime() + id.expiresIn * 1000).toISOString() : null);
        if (until) io.out(`  link it before ${humanDate(until, now())}: paste the id into the Edge web app; enrol again if it expires first`);
        io.out(`generating an RSA-${bits} key (this takes a few seconds)…`);
      },
    });
    report(io, r, mtlsDir, now());
    io.out('the cloud link connects once the id is linked in the Edge web app (it retries every 5 s until then)');
    return 0;
  } catch (err) {
    if (err instanceof IdentityExistsError) {
      io.err(`vplc-orchestrator enroll: ${err.message}. The current pair in ${mtlsDir} is kept.`);
      io.err('Run again with --force to replace it; the new pair takes over once it is stored, and the old one is removed after the new one has connected.');
      return 1;
    }
    // The same cause and fix as the UI gives (CA file, clock, host name, network).
    io.err(explainEnrolError(err, { provisionUrl, caFile, now: now() }).message);
    return 1;
  }
}
