import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HostInterface, HostInterfaceView } from '../../../../shared/domain/host.js';
import { InterfaceCache } from '../../../../electron/lib/netmon/cache.js';
import { LocalInterfaceSource, parseIpJson } from '../../../../electron/workers/orchestrator/host/interfaces.js';
import { interfaceView } from '../../../../electron/workers/orchestrator/host/interface-view.js';
import { readLinkFacts } from '../../../../electron/workers/orchestrator/host/parent-policy.js';
import { ParentPolicy } from '../../../../shared/domain/parent-policy.js';
import { parseSnapshot, toNetInterface } from '../../../../electron/workers/netmon/snapshot.js';
import { droppedPaths } from '../../../support/dropped-paths.js';

/** Parses `value` and fails on a field the schema would drop: the producer and the schema must agree exactly. */
function exact(schema: typeof HostInterface | typeof HostInterfaceView, value: unknown): void {
  const parsed = schema.parse(value);
  expect(droppedPaths(value, parsed)).toEqual([]);
}

const ip = (args: string[]): string => execFileSync('ip', ['-json', ...args], { encoding: 'utf8' });

describe('the host interface', () => {
  it('is what the orchestrator reads from this host (`ip -json`), field for field', async () => {
    const read = await new LocalInterfaceSource().list();
    expect(read.length).toBeGreaterThan(0);
    for (const i of read) exact(HostInterface, i);
    const lo = parseIpJson(ip(['addr', 'show']), ip(['route', 'show']), () => false).find((i) => i.name === 'lo');
    expect(lo?.ipv4.map((a) => a.subnet)).toContain('127.0.0.0/8');
  });

  it('is what the interface cache keeps from netmon events about this host', async () => {
    const kernel = parseSnapshot(ip(['addr', 'show']), ip(['route', 'show']), () => false);
    const cache = new InterfaceCache();
    cache.apply({ type: 'network_discovery', data: { interfaces: kernel.map((s) => toNetInterface(s, '2026-12-04T10:00:00.000000')), timestamp: '2026-12-04T10:00:00.000000' } });
    const listed = await cache.list();
    expect(listed.map((i) => i.name).sort()).toEqual(kernel.map((s) => s.name).sort());
    for (const i of listed) exact(HostInterface, i);
  });

  it('is shown by the API without the kernel index, the uplink marked and the policy refusal given', async () => {
    const read = await new LocalInterfaceSource().list();
    const facts = await readLinkFacts();
    const views = read.map((i) => interfaceView(i, ParentPolicy.parse({}), facts.get(i.name)));
    for (const v of views) exact(HostInterfaceView, v);
    expect(views[0]).not.toHaveProperty('index');
    // This host's default route leaves through one of its interfaces: that one is the uplink.
    const uplink = JSON.parse(ip(['route', 'show', 'default']))[0]?.dev as string | undefined;
    if (!uplink) throw new Error('no default route on this host');
    expect(views.filter((v) => v.is_uplink).map((v) => v.name)).toContain(uplink);
    expect(views.find((v) => v.name === 'lo')).toMatchObject({ is_uplink: false, policy_refusal: 'lo can never be a vNIC parent (it matches lo)' });
  });
});
