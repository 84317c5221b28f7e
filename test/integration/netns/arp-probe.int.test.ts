// ARP duplicate address detection from a host-network helper on a test veth parent, against a peer namespace that
// really holds an address, and the gratuitous ARP a vNIC sends: real netlink objects, real packets, real dockerd.
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { Executor } from '../../../electron/workers/orchestrator/exec/executor.js';
import { HelperImage } from '../../../electron/workers/orchestrator/helper-image/helper-image.js';
import { announceScript, conflictMessage, probeAddress, probeScript } from '../../../electron/workers/orchestrator/net/arp-probe.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, workerSlot } from '../../support/run.js';

requireDocker();
requireRoot();

const docker = new Docker();
const run = newRunId();
const slot = workerSlot();
const LAN = 7;
const ns = `vt-${run}-arp`;
const parent = `vta${run}`.slice(0, 15);
const peerIf = `vtb${run}`.slice(0, 15);
const held = lanAddress(slot, LAN, 20);
const free = lanAddress(slot, LAN, 21);
const sh = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8' });
const labels = { 'vt-run': run };
let engine: Engine;
let image: string;
let peerMac: string;

beforeAll(async () => {
  sh('ip', 'netns', 'add', ns);
  sh('ip', 'link', 'add', parent, 'type', 'veth', 'peer', 'name', peerIf);
  sh('ip', 'link', 'set', peerIf, 'netns', ns);
  sh('ip', '-n', ns, 'addr', 'add', `${held}/24`, 'dev', peerIf);
  sh('ip', '-n', ns, 'link', 'set', peerIf, 'up');
  sh('ip', 'link', 'set', parent, 'up');
  peerMac = /link\/ether ([0-9a-f:]{17})/.exec(sh('ip', '-n', ns, 'link', 'show', peerIf))?.[1] ?? '';
  engine = new Engine(docker);
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  image = await new HelperImage({ docker, exec: new Executor(engine, quiet), busyboxCandidates: ['/bin/busybox'], log: quiet, repo: `vt-helper-${run}` }).image();
}, 60_000);

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`vt-run=${run}`] } })) await docker.getContainer(c.Id).remove({ force: true });
  await docker.getImage(image).remove({ force: true }).catch(() => undefined);
  execFileSync('ip', ['link', 'del', parent], { stdio: 'ignore' });
  execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
});

const onHost = (script: string) => engine.runOnHost(image, script, labels, ['NET_RAW']);

describe('ARP probe before a static vNIC joins the LAN', () => {
  it('finds the device that holds the address, by its MAC', async () => {
    const r = await probeAddress(onHost, parent, held, 500);
    expect(r).toEqual({ kind: 'conflict', ip: held, mac: peerMac });
    if (r.kind === 'conflict') expect(conflictMessage(r, parent)).toBe(`IP ${held} is already in use on ${parent} by the device with MAC ${peerMac}; choose a free address or free that one`);
  });

  it('reports a free address once the window ends', async () => {
    expect(await probeAddress(onHost, parent, free, 500)).toEqual({ kind: 'free' });
  });

  it('says why when the probe cannot run (no such interface), and skips it when the window is 0', async () => {
    const r = await probeAddress(onHost, 'vtnosuch0', held, 500);
    expect(r.kind).toBe('error');
    if (r.kind === 'error') expect(r.reason).toMatch(/^ARP probe for .* failed: .*(No such device|vtnosuch0)/);
    expect(await probeAddress(onHost, 'vtnosuch0', held, 0)).toEqual({ kind: 'free' });
  });

  it('needs NET_RAW: without it the probe is an error, never a false "free"', async () => {
    const r = await probeAddress((s) => engine.runOnHost(image, s, labels, []), parent, held, 500);
    expect(r.kind).toBe('error');
  });

  it('a gratuitous ARP teaches the peers at once where the address lives', async () => {
    // The peer learns from unsolicited ARP (arp_accept), as switches and most PLC peers do.
    sh('ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.conf.${peerIf}.arp_accept=1`);
    const parentMac = /link\/ether ([0-9a-f:]{17})/.exec(sh('ip', 'link', 'show', parent))?.[1] ?? '';
    expect(sh('ip', '-n', ns, 'neigh', 'show', free)).toBe('');
    // The address is on the interface by then (in a vPLC: its vNIC inside its namespace; here: the test parent).
    sh('ip', 'addr', 'add', `${free}/32`, 'dev', parent);
    const r = await onHost(announceScript(parent, free));
    sh('ip', 'addr', 'del', `${free}/32`, 'dev', parent);
    expect(r.stdout).toContain('arping-exit=0');
    expect(sh('ip', '-n', ns, 'neigh', 'show', free)).toContain(`lladdr ${parentMac}`);
  });

  it('refuses arguments that are not an interface name or an address', () => {
    expect(() => probeScript('eth0; reboot', held, 500)).toThrow(/not an interface name/);
    expect(() => probeScript(parent, '1.2.3.4; reboot', 500)).toThrow(/not an IPv4 address/);
  });
});
