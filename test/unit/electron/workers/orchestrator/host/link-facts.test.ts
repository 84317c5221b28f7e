import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkFactsReader } from '../../../../../../electron/workers/orchestrator/host/link-facts.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

type Link = { name: string; index: number; kind?: string; device?: boolean; wireless?: boolean };

/**
 * A fake /sys/class/net and a fake `ip -details -json link show [dev X]` over the same links, counting calls. A link
 * whose description changes is re-created (a new directory, so a new inode); unchanged links keep theirs.
 */
function host(links: Link[]): { sys: string; set(l: Link[]): void; calls: string[]; details: (dev?: string) => Promise<string> } {
  const sys = mkdtempSync(path.join(tmpdir(), 'vt-sysnet-'));
  // Removed links are moved here, not deleted, so the file system cannot hand their inode to the next link.
  const gone = mkdtempSync(path.join(tmpdir(), 'vt-sysnet-gone-'));
  dirs.push(sys, gone);
  let removed = 0;
  let current: Link[] = [];
  const set = (next: Link[]): void => {
    const same = (a: Link, b: Link): boolean => JSON.stringify(a) === JSON.stringify(b);
    for (const l of current) if (!next.some((n) => same(n, l))) renameSync(path.join(sys, l.name), path.join(gone, String(removed++)));
    for (const l of next) {
      if (current.some((c) => same(c, l))) continue;
      const d = path.join(sys, l.name);
      mkdirSync(d);
      writeFileSync(path.join(d, 'ifindex'), `${l.index}\n`);
      writeFileSync(path.join(d, 'type'), '1\n');
      if (l.device) mkdirSync(path.join(d, 'device'));
      if (l.wireless) mkdirSync(path.join(d, 'wireless'));
    }
    current = next;
  };
  set(links);
  const calls: string[] = [];
  return {
    sys,
    calls,
    set,
    details: (dev) => {
      calls.push(dev ?? '*');
      const of = current.filter((l) => dev === undefined || l.name === dev);
      return Promise.resolve(JSON.stringify(of.map((l) => ({ ifindex: l.index, ifname: l.name, ...(l.kind ? { linkinfo: { info_kind: l.kind } } : {}) }))));
    },
  };
}

/** An error as execFile rejects with it. */
const execError = (message: string, extra: Record<string, unknown>): Error => Object.assign(new Error(message), extra);

describe('LinkFactsReader', () => {
  it('reads kinds and sysfs facts; links on the fixed refusal list are listed without any lookup', async () => {
    const h = host([
      { name: 'eth0', index: 2, device: true },
      { name: 'wlan0', index: 3, device: true, wireless: true },
      { name: 'mv0', index: 4, kind: 'macvlan' },
      { name: 'br-1234', index: 5, kind: 'bridge' },
      { name: 'veth99', index: 6, kind: 'veth' },
    ]);
    const facts = await new LinkFactsReader(h.sys, h.details).read();
    expect(facts.get('eth0')).toEqual({ physical: true, wifi: false, kind: undefined });
    expect(facts.get('wlan0')).toEqual({ physical: false, wifi: true, kind: undefined });
    expect(facts.get('mv0')).toEqual({ physical: false, wifi: false, kind: 'macvlan' });
    expect(facts.get('br-1234')).toEqual({ physical: false, wifi: false, kind: undefined });
    expect(h.calls.sort()).toEqual(['eth0', 'mv0', 'wlan0']);
  });

  it('asks iproute2 nothing while only fixed-refused links come and go (what each vPLC adds), then only about new links', async () => {
    const base: Link[] = [
      { name: 'eth0', index: 2, device: true },
      { name: 'mv0', index: 4, kind: 'macvlan' },
    ];
    const h = host(base);
    const reader = new LinkFactsReader(h.sys, h.details);
    await reader.read();
    h.calls.length = 0;
    h.set([...base, ...Array.from({ length: 50 }, (_, i) => ({ name: `veth${i}`, index: 100 + i, kind: 'veth' })), { name: 'br-abc', index: 99, kind: 'bridge' }]);
    await reader.read();
    expect(h.calls).toEqual([]);
    h.set([...base, { name: 'eth1', index: 7, device: true }]);
    await reader.read();
    expect(h.calls).toEqual(['eth1']);
    h.set([...base, ...Array.from({ length: 6 }, (_, i) => ({ name: `en${i}`, index: 200 + i, device: true }))]);
    h.calls.length = 0;
    await reader.read();
    expect(h.calls).toEqual(['*']);
  });

  it('does not list a sysfs entry that is no link (bonding_masters)', async () => {
    const h = host([{ name: 'eth0', index: 2, device: true }]);
    writeFileSync(path.join(h.sys, 'bonding_masters'), '\n');
    const facts = await new LinkFactsReader(h.sys, h.details).read();
    expect([...facts.keys()]).toEqual(['eth0']);
  });

  it('never keeps a kind for a name re-created as another link (new ifindex)', async () => {
    const h = host([{ name: 'lan5', index: 10, kind: 'veth' }]);
    const reader = new LinkFactsReader(h.sys, h.details);
    expect((await reader.read()).get('lan5')?.kind).toBe('veth');
    h.set([{ name: 'lan5', index: 11, kind: 'macvlan' }]);
    expect((await reader.read()).get('lan5')?.kind).toBe('macvlan');
  });

  it('never keeps a kind for a name re-created with the same ifindex (`ip link add … index N`, a netns move)', async () => {
    const h = host([{ name: 'lan7', index: 4000, kind: 'veth' }]);
    const reader = new LinkFactsReader(h.sys, h.details);
    expect((await reader.read()).get('lan7')?.kind).toBe('veth');
    h.set([]);
    h.set([{ name: 'lan7', index: 4000, kind: 'macvlan' }]);
    expect((await reader.read()).get('lan7')?.kind).toBe('macvlan');
  });

  it('reads again when a link is re-created between sysfs and iproute2, instead of serving no kind', async () => {
    const h = host([{ name: 'lan9', index: 20, kind: 'veth' }]);
    let first = true;
    const details = (dev?: string): Promise<string> => {
      if (first) {
        first = false;
        h.set([{ name: 'lan9', index: 21, kind: 'macvlan' }]);
      }
      return h.details(dev);
    };
    expect((await new LinkFactsReader(h.sys, details).read()).get('lan9')).toEqual({ physical: false, wifi: false, kind: 'macvlan' });
  });

  it('leaves out a link iproute2 says no longer exists (it is gone from sysfs too)', async () => {
    const h = host([
      { name: 'eth0', index: 2, device: true },
      { name: 'lan3', index: 30, kind: 'veth' },
    ]);
    const details = (dev?: string): Promise<string> => {
      if (dev !== 'lan3') return h.details(dev);
      h.set([{ name: 'eth0', index: 2, device: true }]);
      return Promise.reject(execError('Command failed', { code: 1, stderr: 'Device "lan3" does not exist.\n' }));
    };
    const facts = await new LinkFactsReader(h.sys, details).read();
    expect([...facts.keys()]).toEqual(['eth0']);
  });

  it.each([
    ['iproute2 is missing', execError('spawn ip ENOENT', { code: 'ENOENT', stderr: '' })],
    ['too many open files', execError('spawn EMFILE', { code: 'EMFILE' })],
    ['a non-zero exit other than "does not exist"', execError('Command failed', { code: 2, stderr: 'RTNETLINK answers: Resource temporarily unavailable\n' })],
  ])('fails, never answers "no kind", when a link cannot be asked about: %s', async (_what, err) => {
    const h = host([{ name: 'lan7', index: 40, kind: 'macvlan' }]);
    await expect(new LinkFactsReader(h.sys, () => Promise.reject(err)).read()).rejects.toBe(err);
  });

  it('fails, naming the field, when iproute2 answers something unexpected', async () => {
    const h = host([{ name: 'lan7', index: 40, kind: 'macvlan' }]);
    await expect(new LinkFactsReader(h.sys, () => Promise.resolve('[{"ifname":"lan7","ifindex":"40"}]')).read()).rejects.toThrow(/0\.ifindex/);
    await expect(new LinkFactsReader(h.sys, () => Promise.resolve('')).read()).rejects.toThrow(/not JSON/);
  });

  it('fails when the sysfs directory cannot be read, instead of listing no links', async () => {
    const h = host([]);
    await expect(new LinkFactsReader(path.join(h.sys, 'missing'), h.details).read()).rejects.toThrow(/ENOENT/);
  });
});
