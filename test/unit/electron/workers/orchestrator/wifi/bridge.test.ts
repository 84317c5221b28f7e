/**
 * Decisions of the proxy-ARP bridges that need no host: the host-links pass of a retried build, a teardown of every
 * bridge of a vPLC that goes on past a vNIC whose host step fails, the self-destruct's revert of wifi_sysctls.json,
 * and the order before a recreate. The host steps are recording doubles; the store is a real StateStore in a
 * temporary directory.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../../electron/workers/cloudlink/types.js';
import { WarningBoard } from '../../../../../../electron/workers/orchestrator/context.js';
import type { HostStep } from '../../../../../../electron/workers/orchestrator/hostnet/host-steps.js';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';
import { HostProxyArpBridges, hostLinkPass, type BridgeContext } from '../../../../../../electron/workers/orchestrator/wifi/bridge.js';
import { quiesceWifi } from '../../../../../../electron/workers/orchestrator/wifi/provision.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const now = new Date().toISOString();
const record = { desired_state: 'running' as const, created_at: now, updated_at: now, degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false };

function wifiVnic(name: string, ip: string, veth: string): PersistedVnic {
  return {
    name,
    parent_interface: 'wlan0',
    network_mode: 'static',
    ip,
    subnet: '192.168.50.0/24',
    gateway: '192.168.50.1',
    _interface_type: 'wifi',
    _is_wifi: true,
    _network_method: 'proxy_arp',
    mac_address: '02:00:00:00:00:01',
    _proxy_arp_config: { veth_host: veth, veth_container: 'eth1', ip_address: ip, gateway: '192.168.50.1', parent_interface: 'wlan0' },
  };
}

async function open(run: (s: HostStep) => Promise<{ exitCode: number; stdout: string; stderr: string }>, book?: object): Promise<{ store: StateStore; bridges: HostProxyArpBridges }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bridge-'));
  dirs.push(dir);
  if (book) writeFileSync(path.join(dir, 'wifi_sysctls.json'), JSON.stringify(book));
  const store = new StateStore(dir);
  await store.load();
  const ctx = { store, hostSteps: { run }, engine: {}, warnings: new WarningBoard(), log: silentLogger } as unknown as BridgeContext;
  return { store, bridges: await HostProxyArpBridges.open(ctx, () => undefined) };
}

describe('proxy-ARP bridges without a host', () => {
  it('retries the host links afresh treating the proxy as its own: the first pass set it or stopped on a foreign one', () => {
    expect(hostLinkPass(false, false)).toEqual({ fresh: false, ourProxy: false });
    expect(hostLinkPass(false, true)).toEqual({ fresh: false, ourProxy: true });
    expect(hostLinkPass(true, false)).toEqual({ fresh: true, ourProxy: true });
  });

  it('tears down every bridge of a vPLC even when one host step fails, and keeps the record of the one left', async () => {
    const scripts: string[] = [];
    const { store, bridges } = await open(async (s) => {
      scripts.push(s.what);
      if (s.what.includes('plc1/a')) throw new Error('engine unreachable');
      return { exitCode: 0, stdout: '', stderr: '' };
    });
    await store.putDesired('plc1', record);
    await store.putVnics('plc1', [wifiVnic('a', '192.168.50.60', 'veth-aaaaaaaaaa'), wifiVnic('b', '192.168.50.61', 'veth-bbbbbbbbbb')]);

    const left = await bridges.teardownAll('plc1');

    expect(left).toEqual(["bridge of vNIC 'a': engine unreachable"]);
    expect(scripts.some((w) => w.includes('plc1/b'))).toBe(true);
    const after = store.getVnics('plc1');
    expect(after.find((v) => v.name === 'a')?._proxy_arp_config?.veth_host).toBe('veth-aaaaaaaaaa');
    expect(after.find((v) => v.name === 'b')?._proxy_arp_config).toBeUndefined();
  });

  it('puts back every sysctl still remembered and removes wifi_sysctls.json once no bridge is left (self-destruct)', async () => {
    const steps: HostStep[] = [];
    const { store, bridges } = await open(async (s) => (steps.push(s), { exitCode: 0, stdout: '', stderr: '' }), { 'proxy_arp:wlan0': { before: '0' }, ip_forward: { before: '0' } });
    await bridges.revertAll();
    expect(steps).toHaveLength(1);
    expect(steps[0]?.writableProcSys).toBe(true);
    expect(steps[0]?.script).toContain('/proc/sys/net/ipv4/conf/wlan0/proxy_arp');
    expect(steps[0]?.script).toContain('/proc/sys/net/ipv4/ip_forward');
    expect(existsSync(path.join(store.dir, 'wifi_sysctls.json'))).toBe(false);
  });

  it('keeps wifi_sysctls.json when a sysctl cannot be put back', async () => {
    const { store, bridges } = await open(async () => ({ exitCode: 1, stdout: '', stderr: 'read-only file system' }), { ip_forward: { before: '0' } });
    await expect(bridges.revertAll()).rejects.toThrow(/read-only file system/);
    expect(existsSync(path.join(store.dir, 'wifi_sysctls.json'))).toBe(true);
  });
});

describe('before a recreate', () => {
  it('stops the WiFi DHCP clients before it removes the bridges, so no lease can rebuild one on the old container', async () => {
    const order: string[] = [];
    const ctx = {
      log: silentLogger,
      wifiDhcp: { stop: async (vplc: string) => void order.push(`dhcp.stop ${vplc}`) },
      wifiBridges: { teardownAll: async (vplc: string) => (order.push(`bridges.teardownAll ${vplc}`), ['left: veth']) },
    } as unknown as Parameters<typeof quiesceWifi>[0];
    expect(await quiesceWifi(ctx, 'plc1')).toEqual(['left: veth']);
    expect(order).toEqual(['dhcp.stop plc1', 'bridges.teardownAll plc1']);
  });
});
