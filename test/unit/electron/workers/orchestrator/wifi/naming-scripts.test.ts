/** Names of a WiFi vNIC's veth pair and the fixed scripts of its bridge, with their validated arguments (pure). */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { containerIfName, hostVethName, transitVethName } from '../../../../../../electron/workers/orchestrator/wifi/naming.js';
import { hostLinkScript, netnsScript, readValues, ScriptArgError, sysctlScript, teardownScript } from '../../../../../../electron/workers/orchestrator/wifi/scripts.js';

const link = { veth: 'veth-0123456789', transit: 'vwc-0123456789', pid: 4242, ip: '192.168.50.60', parent: 'wlx00c0ca', fresh: false, ourProxy: false };

describe('veth names', () => {
  it('is veth- plus 10 hex of a SHA-256 of the vPLC name, 15 characters at most', () => {
    const expected = `veth-${createHash('sha256').update('plc-with-a-very-long-name').digest('hex').slice(0, 10)}`;
    expect(hostVethName('plc-with-a-very-long-name', 'wifi', 1)).toBe(expected);
    expect(expected).toHaveLength(15);
    // Names sharing their first 8 characters (the reference's scheme) do not collide.
    expect(hostVethName('plc-line-1', 'wifi', 1)).not.toBe(hostVethName('plc-line-2', 'wifi', 1));
  });

  it('adds the vNIC to the hash only when the vPLC has several WiFi vNICs', () => {
    expect(hostVethName('plc1', 'a', 1)).toBe(hostVethName('plc1', 'b', 1));
    expect(hostVethName('plc1', 'a', 2)).not.toBe(hostVethName('plc1', 'b', 2));
    expect(hostVethName('plc1', 'a', 2)).toMatch(/^veth-[0-9a-f]{10}$/);
  });

  it('names the transit end from the same hash, and the inside end eth1 only without MACVLAN siblings', () => {
    expect(transitVethName('veth-0123456789')).toBe('vwc-0123456789');
    expect(containerIfName(0, false)).toBe('eth1');
    expect(containerIfName(0, true)).toBe('wl0');
    expect(containerIfName(1, false)).toBe('wl1');
  });
});

describe('bridge scripts', () => {
  it('refuses arguments that are not interface names, addresses, prefixes or PIDs before writing a script', () => {
    expect(() => hostLinkScript({ ...link, parent: 'wlan0; reboot' })).toThrow(ScriptArgError);
    expect(() => hostLinkScript({ ...link, parent: 'wlx0123456789abcdef' })).toThrow(/parent_interface/);
    expect(() => hostLinkScript({ ...link, ip: '192.168.50.600' })).toThrow(/ip_address: '192.168.50.600' is not an IPv4 address/);
    expect(() => hostLinkScript({ ...link, pid: 0 })).toThrow(/pid/);
    expect(() => hostLinkScript({ ...link, pid: 1 })).toThrow(/pid/);
    expect(() => netnsScript({ transit: 'vwc-1', ifname: 'eth1', ip: '10.0.0.5', prefix: 33, gateway: '10.0.0.1', defaultRoute: true })).toThrow(/prefix/);
    expect(() => netnsScript({ transit: 'vwc-1', ifname: 'eth1', ip: '10.0.0.5', prefix: 24, gateway: '$(id)', defaultRoute: true })).toThrow(/gateway/);
    expect(() => teardownScript({ veth: '..', ip: '10.0.0.5', parent: 'wlan0' })).toThrow(/veth_host/);
    expect(() => sysctlScript([{ path: 'ip_forward', value: '1; reboot' }])).toThrow(/sysctl value/);
  });

  it('moves the new pair into the vPLC by PID, and keeps a pair whose other end is already in a namespace unless told fresh', () => {
    const s = hostLinkScript(link);
    expect(s).toContain('ip link set dev vwc-0123456789 netns 4242');
    expect(s).toContain("if [ 0 = 0 ] && ip -o link show dev veth-0123456789 2>/dev/null | grep -q '@if'");
    expect(hostLinkScript({ ...link, fresh: true })).toContain("if [ 1 = 0 ] && ip -o link show dev veth-0123456789");
    expect(s).toContain('ip route replace 192.168.50.60/32 dev veth-0123456789');
    expect(s).toContain('arp -i wlx00c0ca -Ds 192.168.50.60 wlx00c0ca pub');
    expect(s).toContain('iptables -w -I FORWARD $dir -j ACCEPT');
    expect(s).toContain('"-i veth-0123456789 -o wlx00c0ca" "-i wlx00c0ca -o veth-0123456789"');
  });

  it('stops at a neighbour proxy someone else made for the address, unless the record says it is ours', () => {
    expect(hostLinkScript(link)).toContain("if proxied 192.168.50.60 wlx00c0ca && [ 0 = 0 ]; then echo 'bridge: foreign proxy'; exit 4; fi");
    expect(hostLinkScript({ ...link, ourProxy: true })).toContain('[ 1 = 0 ]; then echo');
  });

  it('sets the default route inside only when asked', () => {
    const a = { transit: 'vwc-1', ifname: 'wl0', ip: '10.0.0.5', prefix: 24, gateway: '10.0.0.1' };
    expect(netnsScript({ ...a, defaultRoute: true })).toContain('ip route replace default via 10.0.0.1 dev wl0');
    expect(netnsScript({ ...a, defaultRoute: false })).not.toContain('default');
    expect(netnsScript({ ...a, defaultRoute: false })).toContain('ip addr add 10.0.0.5/24 dev wl0');
  });

  it('tears down in the reference order and only what names our veth or our address on our parent', () => {
    const s = teardownScript({ veth: 'veth-0123456789', ip: '192.168.50.60', parent: 'wlx00c0ca' });
    const order = ['arp -i wlx00c0ca -d 192.168.50.60 pub', 'iptables -w -D FORWARD $dir -j ACCEPT', 'ip route del 192.168.50.60/32 dev veth-0123456789', 'ip link del veth-0123456789'].map((x) => s.indexOf(x));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(s).not.toMatch(/flush|-F FORWARD/);
  });

  it('writes a sysctl only where it differs', () => {
    expect(sysctlScript([{ path: { proxyArp: 'wlan0' }, value: '0' }])).toContain('if [ -e /proc/sys/net/ipv4/conf/wlan0/proxy_arp ] && [ "$(cat /proc/sys/net/ipv4/conf/wlan0/proxy_arp)" != 0 ]; then echo 0 > /proc/sys/net/ipv4/conf/wlan0/proxy_arp; fi');
  });

  it('reads key=value lines back', () => {
    expect(readValues('proxy_arp_before=0\nnoise\nip_forward_before=1\n')).toEqual(new Map([['proxy_arp_before', '0'], ['ip_forward_before', '1']]));
  });
});
