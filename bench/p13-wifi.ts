/**
 * P13: create → a device on the LAN reaches the new vPLC's runtime (HTTPS on its LAN address), for a static WiFi vNIC
 * (proxy-ARP bridge through the host, docs/host-nics.md "WiFi vNICs") against a static MACVLAN vNIC, in the same run,
 * alternating, one vPLC at a time (created, reached, deleted).
 *
 *   npx tsx bench/p13-wifi.ts [--quick]      (--quick: 2 creates per kind; full: 5)
 *
 * The WiFi parent is a veth pair whose host end is named like a USB WiFi adapter (`wlx…`), which the agent classifies as
 * WiFi by its name; the device is the far end of each parent's cable in a namespace of its own. The bridge costs a few
 * host helpers after the container started (links, the address inside, sysctls), which is what the ratio shows.
 *
 * Address plan: WiFi 198.18.232.0/24, wired 198.18.233.0/24 (host .254, device .20, vPLC .50); internal pool as P1.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import { createLanPeer } from '../test/support/lan-peer.js';
import { benchSettings, createVeth, instanceLabel, median, newBenchId, onCleanup, removeLabelled, runAlone, sleep, wallMs } from './common.js';
import type { BenchResult } from './types.js';

const WIFI = '198.18.232';
const WIRED = '198.18.233';

/** HTTPS from the device's namespace; any HTTP status counts as reached (the runtime's own answer). */
const https = (ns: string, ip: string): Promise<boolean> =>
  new Promise((resolve) =>
    execFile('ip', ['netns', 'exec', ns, 'curl', '-sk', '-o', '/dev/null', '-m', '1', '-w', '%{http_code}', `https://${ip}:8443/`], { encoding: 'utf8' }, (_err, out) => resolve(Number.parseInt(out, 10) > 0)),
  );

/** A veth pair whose host end is named `wlx…` (WiFi by name), up, with the host's address. */
function wifiParent(id: string): { name: string; peer: string; dispose(): void } {
  const name = `wlx${id}b`;
  const peer = `vb${id}wb`;
  const ip = (...a: string[]): string => execFileSync('ip', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', name, 'up');
  ip('link', 'set', peer, 'up');
  ip('addr', 'add', `${WIFI}.254/24`, 'dev', name);
  return { name, peer, dispose: () => void spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' }) };
}

export async function run(opts: { quick: boolean }): Promise<BenchResult> {
  const id = newBenchId();
  const n = opts.quick ? 2 : 5;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-p13-'));
  const wlx = wifiParent(id);
  const wired = createVeth(`vb${id}ea`);
  execFileSync('ip', ['addr', 'add', `${WIRED}.254/24`, 'dev', wired.name]);
  const wifiDevice = createLanPeer(id, 'p13w', wlx.peer, `${WIFI}.20/24`);
  const wiredDevice = createLanPeer(id, 'p13e', `${wired.name.slice(0, -1)}b`, `${WIRED}.20/24`);
  const settings = benchSettings(dataDir);
  const orch = await Orchestrator.open({ settings: { ...settings, parentPolicy: { allow: ['vb*', `wlx${id}*`] } } });
  const done = onCleanup(async () => {
    await orch.close({ graceMs: 5_000 });
    await removeLabelled(instanceLabel(orch.installationId));
    rmSync(dataDir, { recursive: true, force: true });
    wifiDevice.dispose();
    wiredDevice.dispose();
    wlx.dispose();
    wired.dispose();
  });
  const samples = { wifi: [] as number[], wired: [] as number[] };
  try {
    for (let i = 0; i < n; i++) {
      for (const kind of ['wifi', 'wired'] as const) {
        const name = `vb-${id}-${kind}${i}`;
        const lan = kind === 'wifi' ? WIFI : WIRED;
        const parent = kind === 'wifi' ? wlx.name : wired.name;
        const device = kind === 'wifi' ? wifiDevice : wiredDevice;
        const vplcIp = `${lan}.50`;
        device.forget(vplcIp);
        const t0 = wallMs();
        const ack = await orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent, mode: 'static', ip: vplcIp, gateway: `${lan}.1`, dns: [] }] }, 'cli');
        if (ack.status !== 'creating') throw new Error(`P13: create ${name} refused: ${ack.error}`);
        while (!(await https(device.ns, vplcIp))) {
          if (wallMs() - t0 > 60_000) throw new Error(`P13: the ${kind} device did not reach ${name} within 60 s`);
          await sleep(50);
        }
        samples[kind].push(wallMs() - t0);
        await orch.settled(name);
        const del = await orch.delete(name, 'cli');
        if (del.status !== 'deleting') throw new Error(`P13: delete ${name} refused: ${del.error}`);
        await orch.settled(name);
      }
    }
  } finally {
    await done();
  }
  const wifi = median(samples.wifi);
  const wiredMs = median(samples.wired);
  return {
    id: 'p13-wifi',
    title: 'create -> a LAN device reaches the runtime: WiFi vNIC (proxy-ARP bridge) vs MACVLAN vNIC (real dockerd)',
    rows: [
      { label: `WiFi vNIC, create -> reached over HTTPS (median of ${samples.wifi.length})`, value: wifi, unit: 'ms', baseline: wiredMs, ratio: wifi / wiredMs },
      { label: `MACVLAN vNIC, create -> reached over HTTPS (median of ${samples.wired.length})`, value: wiredMs, unit: 'ms' },
    ],
    notes: [
      'baseline = the same create with a MACVLAN vNIC on a wired parent; ratio above 1 is the cost of the bridge (host helpers after the start)',
      `raw WiFi (ms): ${samples.wifi.map((x) => x.toFixed(0)).join(', ')}; raw MACVLAN (ms): ${samples.wired.map((x) => x.toFixed(0)).join(', ')}`,
    ],
  };
}

runAlone(import.meta.url, async (o) => [await run(o)]);
