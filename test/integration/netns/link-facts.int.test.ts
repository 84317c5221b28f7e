// Link facts are kept per link lifetime (name, ifindex, sysfs inode): a parent removed and re-created as a MACVLAN child
// must be refused at once, even with the same ifindex; a kind that cannot be read is an error, never "no kind".
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LinkFactsReader } from '../../../electron/workers/orchestrator/host/link-facts.js';
import { parentRefusal, readLinkFacts } from '../../../electron/workers/orchestrator/host/parent-policy.js';
import { ParentPolicy } from '../../../shared/domain/parent-policy.js';
import { requireRoot } from '../../support/require.js';
import { newRunId } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireRoot();

const run = newRunId();
const made: VethParent[] = [];
afterAll(() => made.forEach((p) => p.dispose()));

describe('readLinkFacts on the live host', () => {
  it('matches `ip -details` for every link not refused by name', async () => {
    made.push(createVethParent(run, 1));
    const facts = await readLinkFacts();
    const links = JSON.parse(execFileSync('ip', ['-details', '-json', 'link', 'show'], { encoding: 'utf8' })) as Array<{ ifname: string; linkinfo?: { info_kind?: string } }>;
    const mine = links.find((l) => l.ifname === made[0]?.name);
    expect(mine?.linkinfo?.info_kind).toBe('veth');
    expect(facts.get(made[0]?.name ?? '')).toEqual({ physical: false, wifi: false, kind: 'veth' });
  });

  it('sees a name re-created as a MACVLAN child as MACVLAN, not as the veth it was (no stale kind)', async () => {
    const lower = createVethParent(run, 2);
    made.push(lower);
    const name = `vt${run}3a`;
    const policy = ParentPolicy.parse({ allow: ['vt*'] });
    const first = createVethParent(run, 3);
    made.push(first);
    expect(parentRefusal(name, policy, (await readLinkFacts()).get(name))).toBeNull();
    first.dispose();
    execFileSync('ip', ['link', 'add', 'link', lower.name, 'name', name, 'type', 'macvlan', 'mode', 'bridge']);
    // Removed with its lower veth; deleting it first keeps the teardown order-free.
    made.unshift({ name, peer: '', dispose: () => execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' }) });
    expect(parentRefusal(name, policy, (await readLinkFacts()).get(name))).toBe(`${name} is a MACVLAN child interface; use the interface it sits on`);
  });

  it('sees a name re-created with the same ifindex as a MACVLAN child as MACVLAN, not as the veth it was', async () => {
    const lower = createVethParent(run, 4);
    made.push(lower);
    const name = `vt${run}5a`;
    const taken = new Set(readdirSync('/sys/class/net').map((n) => { try { return Number(readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8')); } catch { return 0; } }));
    let index = 40_000 + Math.floor(Math.random() * 20_000);
    while (taken.has(index)) index++;
    const del = (): void => {
      try {
        execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    };
    made.unshift({ name, peer: '', dispose: del });
    const policy = ParentPolicy.parse({ allow: ['vt*'] });
    const reader = new LinkFactsReader();
    execFileSync('ip', ['link', 'add', name, 'index', String(index), 'type', 'veth', 'peer', 'name', `vt${run}5b`]);
    expect((await reader.read()).get(name)?.kind).toBe('veth');
    del();
    execFileSync('ip', ['link', 'add', 'link', lower.name, 'name', name, 'index', String(index), 'type', 'macvlan', 'mode', 'bridge']);
    expect(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim()).toBe(String(index));
    const facts = (await reader.read()).get(name);
    expect(facts?.kind).toBe('macvlan');
    expect(parentRefusal(name, policy, facts)).toBe(`${name} is a MACVLAN child interface; use the interface it sits on`);
  });

  it('fails instead of answering "no kind" when iproute2 cannot be run for one new link', async () => {
    const reader = new LinkFactsReader();
    await reader.read();
    // One link not seen before: asked about alone (the per-link path), not in one call about all links.
    made.push(createVethParent(run, 6));
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(reader.read()).rejects.toThrow(/ENOENT/);
    } finally {
      process.env.PATH = path;
    }
  });
});
