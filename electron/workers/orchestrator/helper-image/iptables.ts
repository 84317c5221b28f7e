import { execFile } from 'node:child_process';
import { readdir, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TarEntry } from '../../../lib/archive/tar.js';

const execFileAsync = promisify(execFile);

/**
 * The host's own iptables, carried into the helper image with the libraries it links (docs/host-nics.md "FORWARD
 * rules"): the FORWARD rules of WiFi vNICs must land in the same tables as the host's (Docker's, under its FORWARD DROP
 * policy), so the helper uses the very binary and backend (nft or legacy) the host's `iptables` names. Without one the
 * image is built without it and the rules are skipped with a warning.
 */
export type HostIptables = {
  /** The multi-call binary `iptables` resolves to on the host (`xtables-nft-multi`, `xtables-legacy-multi`). */
  binary: string;
  backend: 'nft' | 'legacy';
  /** Every file to copy, at its absolute host path: the binary, its libraries and interpreter, the extensions. */
  files: Array<{ path: string; bytes: Buffer }>;
};

export const IPTABLES_CANDIDATES = ['/usr/sbin/iptables', '/sbin/iptables'] as const;
/** Where the helper image keeps the xtables extensions; the image's environment points iptables there. */
export const XTABLES_LIBDIR = '/usr/lib/xtables';

/** The libraries `ldd` names (`name => /path (addr)` and the interpreter's `/path (addr)` line); pure. */
export function parseLdd(out: string): string[] {
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)\s+\(0x/.exec(line) ?? /^\s*(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) paths.add(m[1]);
  }
  return [...paths];
}

async function ldd(...files: string[]): Promise<string[]> {
  const { stdout } = await execFileAsync('ldd', files, { timeout: 10_000 });
  return parseLdd(stdout);
}

/** The first iptables among the candidates with everything it needs, or null with why not. */
export async function findHostIptables(candidates: readonly string[] = IPTABLES_CANDIDATES): Promise<{ found: HostIptables } | { missing: string }> {
  const why: string[] = [];
  for (const link of candidates) {
    try {
      const binary = await realpath(link);
      const base = path.basename(binary);
      const backend = /nft/.test(base) ? 'nft' : /legacy/.test(base) ? 'legacy' : null;
      if (backend === null) throw new Error(`${binary} is not an xtables multi-call binary`);
      const libs = await ldd(binary);
      const libxtables = libs.find((l) => /\/libxtables\.so/.test(l));
      if (libxtables === undefined) throw new Error(`${binary} does not link libxtables`);
      const extDirs = [path.join(path.dirname(libxtables), 'xtables'), path.join(path.dirname(await realpath(libxtables)), 'xtables'), '/usr/lib/xtables', '/usr/lib64/xtables'];
      let extensions: string[] = [];
      for (const d of extDirs) {
        const names = await readdir(d).catch(() => [] as string[]);
        // IPv4 and protocol-neutral extensions: listing or checking a chain parses every rule in it (Docker's use
        // conntrack and others), so the standard target alone is not enough.
        extensions = names.filter((n) => /^lib(xt|ipt)_[\w-]+\.so$/.test(n)).sort().map((n) => path.join(d, n));
        if (extensions.some((e) => e.endsWith('/libxt_standard.so'))) break;
      }
      if (!extensions.some((e) => e.endsWith('/libxt_standard.so'))) throw new Error(`libxt_standard.so not found next to ${libxtables}`);
      const all = new Set([...libs, ...(await ldd(...extensions))]);
      const files = [{ path: binary, bytes: await readFile(binary) }];
      for (const e of extensions) files.push({ path: path.join(XTABLES_LIBDIR, path.basename(e)), bytes: await readFile(e) });
      for (const lib of [...all].sort()) files.push({ path: lib, bytes: await readFile(lib) });
      return { found: { binary, backend, files } };
    } catch (err) {
      why.push(`${link}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { missing: why.join('; ') };
}

/** The tar entries that put iptables into the rootfs: each file at its host path, `bin/iptables` naming the binary. */
export function iptablesEntries(ipt: HostIptables): TarEntry[] {
  const dirs = new Set<string>();
  for (const f of ipt.files) {
    const parts = f.path.split('/').filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  return [
    ...[...dirs].sort().map((name): TarEntry => ({ name, type: 'dir' })),
    ...ipt.files.map((f): TarEntry => ({ name: f.path.replace(/^\/+/, ''), data: f.bytes, mode: 0o755 })),
    { name: 'bin/iptables', type: 'symlink', target: ipt.binary },
  ];
}
