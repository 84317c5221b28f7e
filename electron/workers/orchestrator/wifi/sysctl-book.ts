import path from 'node:path';
import { z } from 'zod';
import { PersistedMap, type StoreProblem } from '../store/persisted-map.js';
import type { SysctlWrite } from './scripts.js';

/**
 * The host sysctls a proxy-ARP bridge turns on (docs/host-nics.md "WiFi vNICs"), with the value each had before we
 * first changed it, kept in `wifi_sysctls.json` so an agent restart can still put it back. Keys: `ip_forward`, and
 * `proxy_arp:<parent>` per WiFi parent.
 */
export const SysctlBookFile = z.record(z.string(), z.object({ before: z.string().regex(/^[0-9]{1,3}$/) }));
export type SysctlBook = z.infer<typeof SysctlBookFile>;

const IP_FORWARD = 'ip_forward';
const parentKey = (parent: string): string => `proxy_arp:${parent}`;

/** What to remember when a bridge is built on `parent`: the values seen before it, only where nothing is remembered yet. Pure. */
export function toRemember(book: SysctlBook, parent: string, seen: { proxyArp: string | undefined; ipForward: string | undefined }): SysctlBook {
  const out: SysctlBook = {};
  if (book[parentKey(parent)] === undefined && seen.proxyArp !== undefined) out[parentKey(parent)] = { before: seen.proxyArp };
  if (book[IP_FORWARD] === undefined && seen.ipForward !== undefined) out[IP_FORWARD] = { before: seen.ipForward };
  return out;
}

/** The writes a bridge needs: proxy ARP on both ends of its path, forwarding on. Pure. */
export function buildWrites(veth: string, parent: string): SysctlWrite[] {
  return [
    { path: { proxyArp: veth }, value: '1' },
    { path: { proxyArp: parent }, value: '1' },
    { path: 'ip_forward', value: '1' },
  ];
}

/**
 * Once a bridge is gone: the writes that put back what we changed and the keys to forget. A parent's `proxy_arp` goes
 * back when no bridge of ours remains on it; `ip_forward` only when no bridge of ours remains at all and it was off
 * before we turned it on. Pure.
 */
export function toRevert(book: SysctlBook, parentsInUse: ReadonlySet<string>): { writes: SysctlWrite[]; forget: string[] } {
  const writes: SysctlWrite[] = [];
  const forget: string[] = [];
  for (const [key, { before }] of Object.entries(book)) {
    if (key === IP_FORWARD) {
      if (parentsInUse.size > 0) continue;
      if (before !== '1') writes.push({ path: 'ip_forward', value: before });
      forget.push(key);
    } else if (key.startsWith('proxy_arp:')) {
      const parent = key.slice('proxy_arp:'.length);
      if (parentsInUse.has(parent)) continue;
      if (before !== '1') writes.push({ path: { proxyArp: parent }, value: before });
      forget.push(key);
    }
  }
  // The parents first: turning forwarding off last keeps the order of the build reversed.
  writes.sort((a, b) => (a.path === 'ip_forward' ? 1 : 0) - (b.path === 'ip_forward' ? 1 : 0));
  return { writes, forget };
}

/** The file of remembered values: atomic, zod-parsed; a corrupt file is moved aside and reported. */
export class SysctlBookStore {
  private readonly map: PersistedMap<{ before: string }>;

  constructor(dir: string) {
    this.map = new PersistedMap(path.join(dir, 'wifi_sysctls.json'), SysctlBookFile.valueType);
  }

  load(onCorrupt: (p: StoreProblem) => void): Promise<void> {
    return this.map.load(onCorrupt);
  }

  current(): SysctlBook {
    return Object.fromEntries(this.map.entries());
  }

  async remember(entries: SysctlBook): Promise<void> {
    for (const [k, v] of Object.entries(entries)) await this.map.mutate(k, (cur) => cur ?? v);
  }

  async forget(keys: readonly string[]): Promise<void> {
    for (const k of keys) await this.map.mutate(k, () => undefined);
    if (this.map.keys().length === 0) await this.map.wipe();
  }

  /** The file goes, whatever it still holds. */
  wipe(): Promise<void> {
    return this.map.wipe();
  }
}
