import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLeaseLine, type BoundLine } from '../../../../../../electron/workers/orchestrator/dhcp/lease.js';
import { LEASE_SCRIPT, PRINT_ONLY_LEASE_SCRIPT } from '../../../../../../electron/workers/orchestrator/dhcp/script.js';
import { clientIdHex, toWifiLease, wifiClientId, wifiLeaseFile } from '../../../../../../electron/workers/orchestrator/wifi/dhcp-lease.js';
import type Docker from 'dockerode';
import { clientIsCurrent, WIFI_DHCP_CAPS, wifiDhcpClientSpec } from '../../../../../../electron/workers/orchestrator/wifi/dhcp-spec.js';

const line = (router: string): BoundLine =>
  parseLeaseLine(
    `VPLC-DHCP {"event":"bound","interface":"wlan0","ip":"192.168.1.80","subnet":"255.255.255.0","mask":"","prefix":24,"broadcast":"192.168.1.255","router":"${router}","dns":"192.168.1.1  8.8.8.8","domain":"plant.lan","mtu":"","hostname":"","ntpsrv":"","lease":"86400","serverid":"192.168.1.1"}`,
  ) as BoundLine;

describe('WiFi DHCP client-id', () => {
  it('is "<container>:<vnic>" as raw bytes, with no type byte', () => {
    expect(wifiClientId('plc1', 'wvnic')).toBe('plc1:wvnic');
    expect(clientIdHex('plc1', 'wvnic')).toBe('706c63313a77766e6963');
    expect(Buffer.from(clientIdHex('plc1', 'wvnic'), 'hex').toString('utf8')).toBe('plc1:wvnic');
    expect(clientIdHex('pläc', 'w')).toBe(Buffer.from('pläc:w', 'utf8').toString('hex'));
  });

  it('refuses a client-id that option 61 cannot carry', () => {
    expect(() => clientIdHex('p'.repeat(249), 'vnic01')).toThrow(/longer than 255 bytes/);
    expect(() => clientIdHex('p'.repeat(248), 'vnic01')).not.toThrow();
  });
});

describe('WiFi lease', () => {
  it('takes the first router as gateway and splits the DNS servers', () => {
    expect(toWifiLease('plc1', 'w', line('192.168.1.1 192.168.1.2'))).toEqual({
      vplc: 'plc1', vnic: 'w', ip: '192.168.1.80', prefix: 24, gateway: '192.168.1.1', dns: ['192.168.1.1', '8.8.8.8'], leaseSeconds: 86400,
    });
    expect(toWifiLease('plc1', 'w', line('')).gateway).toBeNull();
  });

  it('writes the §5.13 lease file with a null MAC, and the bridge once it is built', () => {
    const bridge = { veth_host: 'veth-0123456789', veth_container: 'eth1', ip_address: '192.168.1.80', gateway: '192.168.1.1', parent_interface: 'wlan0' };
    const file = wifiLeaseFile(line('192.168.1.1'), 'T', bridge);
    expect(Object.keys(file).sort()).toEqual(
      ['interface', 'ip', 'subnet', 'mask', 'prefix', 'broadcast', 'router', 'dns', 'domain', 'mtu', 'hostname', 'ntpsrv', 'lease', 'serverid', 'timestamp', 'event', 'mac_address', 'proxy_arp_config'].sort(),
    );
    expect(file).toMatchObject({ ip: '192.168.1.80', prefix: 24, mac_address: null, proxy_arp_config: bridge, event: 'bound', timestamp: 'T' });
    expect('proxy_arp_config' in wifiLeaseFile(line('192.168.1.1'), 'T', null)).toBe(false);
  });
});

describe('the lease scripts', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-wifi-script-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in `ip` on PATH records every call: the host-side script must make none.
  writeFileSync(path.join(dir, 'ip'), `#!/bin/sh\necho "$@" >> ${dir}/ip.calls\n`);
  chmodSync(path.join(dir, 'ip'), 0o755);
  const runScript = (script: string, ev: string): string => {
    const file = path.join(dir, 'lease.sh');
    writeFileSync(file, script);
    chmodSync(file, 0o755);
    rmSync(path.join(dir, 'ip.calls'), { force: true });
    const env = { PATH: `${dir}:/usr/bin:/bin`, interface: 'wlan0', ip: '192.168.1.80', subnet: '255.255.255.0', router: '192.168.1.1', dns: '192.168.1.1', lease: '600', serverid: '192.168.1.1' };
    return execFileSync(file, [ev], { env, encoding: 'utf8' });
  };
  const ipCalls = (): string => {
    try {
      return readFileSync(path.join(dir, 'ip.calls'), 'utf8');
    } catch {
      return '';
    }
  };

  it('the host-side script prints the lease and never touches an interface', () => {
    const out = runScript(PRINT_ONLY_LEASE_SCRIPT, 'bound');
    expect(parseLeaseLine(out.trim())).toMatchObject({ event: 'bound', interface: 'wlan0', ip: '192.168.1.80', prefix: 24, router: '192.168.1.1' });
    expect(parseLeaseLine(runScript(PRINT_ONLY_LEASE_SCRIPT, 'deconfig').trim())).toEqual({ event: 'deconfig', interface: 'wlan0' });
    expect(ipCalls()).toBe('');
  });

  it('the vNIC script (same lease line) does configure the interface', () => {
    expect(parseLeaseLine(runScript(LEASE_SCRIPT, 'bound').trim())).toMatchObject({ event: 'bound', ip: '192.168.1.80', prefix: 24 });
    expect(ipCalls()).toContain('addr replace 192.168.1.80/24');
  });
});

describe('the WiFi DHCP client container', () => {
  it('runs on the host network with only NET_RAW and NET_BIND_SERVICE, read-only, never restarted', () => {
    const spec = wifiDhcpClientSpec({ image: 'img', parent: 'wlx001122', clientIdHex: clientIdHex('plc1', 'w'), labels: { a: 'b' } });
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: [...WIFI_DHCP_CAPS], ReadonlyRootfs: true, RestartPolicy: { Name: 'no' } });
    expect(WIFI_DHCP_CAPS).toEqual(['NET_RAW', 'NET_BIND_SERVICE']);
    expect(spec.HostConfig?.Privileged).toBeUndefined();
    expect(spec.HostConfig?.Tmpfs?.['/tmp']).toBeDefined();
    expect(spec.Env).toEqual(expect.arrayContaining(['VPLC_PARENT=wlx001122', `VPLC_CLIENT_ID=${clientIdHex('plc1', 'w')}`, `VPLC_LEASE_SCRIPT=${PRINT_ONLY_LEASE_SCRIPT}`]));
  });

  it('refuses an interface name or client-id that is not one', () => {
    expect(() => wifiDhcpClientSpec({ image: 'img', parent: 'wlan0; reboot', clientIdHex: '00', labels: {} })).toThrow(/invalid WiFi interface/);
    expect(() => wifiDhcpClientSpec({ image: 'img', parent: 'wlan0', clientIdHex: 'zz', labels: {} })).toThrow(/client-id/);
  });
});

describe('a client left by a previous agent', () => {
  const spec = wifiDhcpClientSpec({ image: 'img', parent: 'wlan0', clientIdHex: clientIdHex('plc1', 'w'), labels: {} });
  const inspected = (over: Partial<Docker.ContainerInspectInfo['Config']> = {}, image = 'sha256:1'): Docker.ContainerInspectInfo =>
    ({ Image: image, Config: { Cmd: spec.Cmd, Env: spec.Env, ...over } }) as unknown as Docker.ContainerInspectInfo;
  const want = { imageId: 'sha256:1', parent: 'wlan0', clientIdHex: clientIdHex('plc1', 'w') };

  it('is kept when it runs as this agent would start it', () => {
    expect(clientIsCurrent(inspected(), want)).toBe(true);
    expect(clientIsCurrent(inspected({}, 'sha256:old'), { ...want, imageId: null })).toBe(true);
  });

  it('is replaced when its image, script, interface or client-id differ', () => {
    expect(clientIsCurrent(inspected({}, 'sha256:old'), want)).toBe(false);
    expect(clientIsCurrent(inspected({ Cmd: ['sh', '-c', 'udhcpc -i wlan0'] }), want)).toBe(false);
    expect(clientIsCurrent(inspected(), { ...want, parent: 'wlan1' })).toBe(false);
    expect(clientIsCurrent(inspected(), { ...want, clientIdHex: clientIdHex('plc2', 'w') })).toBe(false);
    expect(clientIsCurrent(inspected({ Env: (spec.Env ?? []).filter((e) => !e.startsWith('VPLC_LEASE_SCRIPT=')) }), want)).toBe(false);
  });
});
