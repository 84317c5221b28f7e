import { existsSync, promises as fs } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';

export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits a PEM bundle into certificates, refusing a file that holds none or one that does not parse. */
export function splitPemBundle(text: string, source: string): string[] {
  const certs = text.match(PEM_RE) ?? [];
  if (certs.length === 0) throw new Error(`${source} holds no PEM certificate`);
  for (const [i, pem] of certs.entries()) {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new Error(`${source}: certificate ${i + 1} does not parse: ${(err as Error).message}`, { cause: err });
    }
  }
  return certs;
}

/**
 * The server trust set of docs/protocol.md §2.2 / docs/architecture.md decision 8: Node's bundled roots, plus the system store when
 * present, plus the optional `--ca-file` bundle. Passing `ca` replaces Node's defaults, hence the concatenation.
 */
export async function loadTrustSet(opts: { caFile?: string; systemBundle?: string | null } = {}): Promise<string[]> {
  const out = [...rootCertificates];
  const system = opts.systemBundle === undefined ? SYSTEM_CA_BUNDLE : opts.systemBundle;
  if (system !== null && existsSync(system)) {
    const text = await fs.readFile(system, 'utf8');
    out.push(...(text.match(PEM_RE) ?? []));
  }
  if (opts.caFile !== undefined) out.push(...splitPemBundle(await fs.readFile(opts.caFile, 'utf8'), opts.caFile));
  // The system store mostly repeats Node's roots, wrapped differently: each certificate once (every TLS context parses
  // all of them), compared without whitespace.
  const seen = new Set<string>();
  return out.filter((pem) => {
    const body = pem.replace(/\s+/g, '');
    if (seen.has(body)) return false;
    seen.add(body);
    return true;
  });
}
