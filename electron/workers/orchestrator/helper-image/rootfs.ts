import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { TarEntry } from '../../../lib/archive/tar.js';
import { elfFacts } from './elf.js';
import { iptablesEntries, type HostIptables } from './iptables.js';

const execFileAsync = promisify(execFile);

/** Bump when the layout below changes: it is part of the image's content hash. */
const LAYOUT_VERSION = 2;
/** The applets our helper scripts cannot do without (DHCP client, MAC and address moves, ARP probes). */
export const REQUIRED_APPLETS = ['sh', 'ip', 'udhcpc', 'arping', 'sed', 'grep', 'awk', 'sleep'] as const;

/** The host's busybox-static (the .deb depends on it): first, so the distribution's security updates apply. */
export const HOST_BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'] as const;
/** Where the .deb installs the app's resources (electron-builder's /opt/${productName}), for a core that did not say. */
const DEB_RESOURCES = '/opt/vPLC-Orchestrator/resources';

/** Electron's resources folder (an AppImage's is a temporary mount); undefined on plain Node. */
export function processResourcesPath(): string | undefined {
  const { resourcesPath } = process as { resourcesPath?: unknown };
  return typeof resourcesPath === 'string' && resourcesPath !== '' ? resourcesPath : undefined;
}

/**
 * Where a static busybox is looked for when the setting names none: the host's busybox-static, then the one the package
 * ships as `<resources>/busybox` (docs/runtime-images.md "The helper's busybox"), then the .deb's resources folder.
 */
export function defaultBusyboxCandidates(resourcesPath: string | undefined = processResourcesPath()): string[] {
  const bundled = [resourcesPath, DEB_RESOURCES].filter((d): d is string => d !== undefined).map((d) => `${d.replace(/\/+$/, '')}/busybox`);
  return [...new Set([...HOST_BUSYBOX_CANDIDATES, ...bundled])];
}

export type Busybox = { path: string; bytes: Buffer; machine: string; applets: string[] };

/**
 * The first usable busybox among the candidates: readable, a static ELF (the image holds nothing else), and providing
 * every required applet. The error names every candidate tried and why it was not used.
 */
export async function findBusybox(candidates: readonly string[]): Promise<Busybox> {
  const refused: string[] = [];
  for (const path of candidates) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      refused.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    try {
      const facts = elfFacts(bytes);
      if (!facts.static) throw new Error('dynamically linked (the helper image holds no libraries)');
      const { stdout } = await execFileAsync(path, ['--list'], { timeout: 5_000 });
      const applets = stdout.split('\n').map((l) => l.trim()).filter((l) => /^[a-z0-9_.[-]+$/i.test(l));
      const missing = REQUIRED_APPLETS.filter((a) => !applets.includes(a));
      if (missing.length) throw new Error(`lacks the applets ${missing.join(', ')}`);
      return { path, bytes, machine: facts.machine, applets: applets.sort() };
    } catch (err) {
      refused.push(`${path}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no static busybox found for the namespace helper (${refused.join('; ')}); install the busybox-static package`);
}

/** The content hash that names the image: the binary, its applet list, the host's iptables if carried, and our layout. */
export function helperHash(bb: Busybox, iptables?: HostIptables): string {
  const h = createHash('sha256').update(`layout ${LAYOUT_VERSION}\n${bb.applets.join(' ')}\n`).update(bb.bytes);
  for (const f of iptables?.files ?? []) h.update(`\n${f.path}\n`).update(f.bytes);
  return h.digest('hex').slice(0, 16);
}

/**
 * A minimal root filesystem: busybox, one link per applet, the files udhcpc and sh expect, a writable /tmp; and the
 * host's iptables with its libraries when it has one (helper-image/iptables.ts).
 */
export function helperRootfs(bb: Busybox, iptables?: HostIptables): TarEntry[] {
  const dirs = ['bin', 'etc', 'proc', 'sys', 'dev', 'root', 'run', 'var', 'var/run', 'usr', 'usr/share', 'usr/share/udhcpc'];
  const extra = iptables ? iptablesEntries(iptables).filter((e) => !(e.type === 'dir' && dirs.includes(e.name.replace(/\/$/, '')))) : [];
  return [
    ...dirs.map((name): TarEntry => ({ name: `${name}/`, type: 'dir' })),
    { name: 'tmp/', type: 'dir', mode: 0o1777 },
    { name: 'bin/busybox', data: bb.bytes, mode: 0o755 },
    ...bb.applets.filter((a) => a !== 'busybox').map((a): TarEntry => ({ name: `bin/${a}`, type: 'symlink', target: 'busybox' })),
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
    { name: 'etc/group', data: 'root:x:0:\nnogroup:x:65534:\n' },
    { name: 'etc/hosts', data: '127.0.0.1\tlocalhost\n' },
    { name: 'etc/resolv.conf', data: '' },
    ...extra,
  ];
}
