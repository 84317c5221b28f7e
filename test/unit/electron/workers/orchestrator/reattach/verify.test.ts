import { describe, expect, it } from 'vitest';
import type { MacOutcome } from '../../../../../../electron/workers/orchestrator/net/wire-mac.js';
import { checkAttached, type Attach } from '../../../../../../electron/workers/orchestrator/reattach/verify.js';

const MAC = '02:5a:00:00:00:01';
const staticLan: Attach = { vnic: 'lan', action: 'attach', mac: MAC, ip: '198.18.12.50', dhcp: false };
const dhcpField: Attach = { vnic: 'field', action: 'attach', mac: '02:5a:00:00:00:02', dhcp: true };
const wire = (over: Partial<MacOutcome>): MacOutcome => ({ vnic: 'lan', requested: MAC, wire: MAC, honoured: true, ifname: 'eth1', ipv4: ['198.18.12.50'], ...over });

describe('a re-attached vNIC is verified before it is reported re-attached', () => {
  it('verifies a static vNIC whose requested MAC carries its address', () => {
    expect(checkAttached([staticLan], { wire: [wire({})], dhcpWarnings: [] })).toEqual([{ vnic: 'lan', verified: true }]);
  });

  it('does not verify a vNIC whose MAC is the engine-derived one', () => {
    const [c] = checkAttached([staticLan], { wire: [wire({ wire: '02:42:c6:12:0c:32', honoured: false })], dhcpWarnings: [] });
    expect(c).toEqual({ vnic: 'lan', verified: false, reason: `MAC ${MAC} is not on the wire (measured 02:42:c6:12:0c:32)` });
  });

  it('does not verify a static vNIC whose address is not on its interface', () => {
    const [c] = checkAttached([staticLan], { wire: [wire({ ipv4: [] })], dhcpWarnings: [] });
    expect(c).toEqual({ vnic: 'lan', verified: false, reason: 'IP 198.18.12.50 is not on eth1 (found none)' });
  });

  it('does not verify anything when the wire could not be measured, naming why', () => {
    const checks = checkAttached([staticLan, dhcpField], { wire: { error: 'no static busybox found' }, dhcpWarnings: [] });
    expect(checks.map((c) => (c.verified ? 'ok' : c.reason))).toEqual([
      'MAC and IP could not be verified on the wire: no static busybox found',
      'MAC and IP could not be verified on the wire: no static busybox found',
    ]);
  });

  it('verifies a DHCP vNIC once its client restarted, without waiting for a lease', () => {
    const ok = wire({ vnic: 'field', requested: dhcpField.mac, wire: dhcpField.mac, ipv4: [] });
    expect(checkAttached([dhcpField], { wire: [ok], dhcpWarnings: [] })).toEqual([{ vnic: 'field', verified: true }]);
    const failed = checkAttached([dhcpField], { wire: [ok], dhcpWarnings: ["DHCP client for vNIC 'field' could not be started: boom"] });
    expect(failed).toEqual([{ vnic: 'field', verified: false, reason: "DHCP client for vNIC 'field' could not be started: boom" }]);
    // A warning about another vNIC is not this one's.
    expect(checkAttached([dhcpField], { wire: [ok], dhcpWarnings: ["DHCP client for vNIC 'other' could not be started: boom"] })[0]?.verified).toBe(true);
  });

  it('does not verify a vNIC the helper did not see at all', () => {
    expect(checkAttached([staticLan], { wire: [], dhcpWarnings: [] })).toEqual([{ vnic: 'lan', verified: false, reason: `MAC ${MAC} is not on the wire (measured no interface)` }]);
  });
});
