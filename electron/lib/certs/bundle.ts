import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../fs/atomic.js';
import { loadTrustSet } from './trust.js';

/** Where a vPLC sees the combined CA bundle when mounting is on (read-only). */
export const VPLC_CA_BUNDLE_PATH = '/etc/ssl/certs/vplc-orchestrator-ca-bundle.pem';

/**
 * The combined CA bundle (docs/architecture.md decision 8 trust set: Node's roots, the system store, the customer's CA file,
 * which overrides nothing but adds to it), written atomically for vPLCs that mount it. Returns its sha256, which
 * goes into the vPLC spec hash so a changed bundle shows as a pending change rather than going unnoticed.
 */
export async function writeCaBundle(file: string, opts: { caFile?: string; systemBundle?: string | null } = {}): Promise<string> {
  const certs = [...new Set(await loadTrustSet(opts))].map((c) => c.trim());
  const text = `${certs.join('\n')}\n`;
  await writeFileAtomic(file, text, 0o644);
  return createHash('sha256').update(text).digest('hex');
}
