import { describe, expect, it } from 'vitest';
import { deriveHealth, type HealthFacts, type VnicFacts } from '../../../../../../electron/workers/orchestrator/status/health.js';

const MAC = '02:42:c0:a8:01:0a';
const dhcp = (over: Partial<VnicFacts> = {}): VnicFacts => ({
  name: 'lan',
  mode: 'dhcp',
  method: 'macvlan',
  requestedMac: MAC,
  wireMac: MAC,
  attached: true,
  endpointIp: null,
  leaseIp: '198.18.10.50',
  ...over,
});
const stat = (over: Partial<VnicFacts> = {}): VnicFacts => ({
  name: 'plant',
  mode: 'static',
  method: 'macvlan',
  requestedMac: MAC,
  wireMac: MAC,
  attached: true,
  endpointIp: '198.18.10.20',
  staticIp: '198.18.10.20',
  ...over,
});
const facts = (over: Partial<HealthFacts> = {}): HealthFacts => ({
  container: 'running',
  operation: null,
  waitingForRuntime: false,
  suspension: null,
  vnics: [dhcp(), stat()],
  runtime: { answered: true, at: '2026-12-05T01:00:00.000Z' },
  problems: [],
  ...over,
});

describe('deriveHealth', () => {
  it.each<[string, Partial<HealthFacts>, string, string[]]>([
    ['every fact verified', {}, 'running', []],
    ['runtime not probed yet since the agent started', { runtime: null }, 'running', []],
    ['no DHCP lease', { vnics: [dhcp({ leaseIp: undefined })] }, 'degraded', ["no DHCP lease on vNIC 'lan'"]],
    ['detached vNIC', { vnics: [stat({ attached: false, endpointIp: null })] }, 'degraded', ["vNIC 'plant' is not attached to its network"]],
    ['wrong MAC on the wire', { vnics: [stat({ wireMac: '02:42:c6:12:0a:14' })] }, 'degraded', [`vNIC 'plant' has MAC 02:42:c6:12:0a:14 on the wire, not the requested ${MAC}`]],
    ['MAC in another case is the same MAC', { vnics: [stat({ wireMac: MAC.toUpperCase() })] }, 'running', []],
    ['MAC never measured', { vnics: [stat({ wireMac: undefined })] }, 'degraded', [`MAC ${MAC} of vNIC 'plant' not verified on the wire yet`]],
    ['proxy-ARP vNIC has no MAC of its own', { vnics: [stat({ method: 'proxy_arp', wireMac: undefined, endpointIp: '172.30.0.2' })] }, 'running', []],
    ['static IP not on the endpoint', { vnics: [stat({ endpointIp: '198.18.10.99' })] }, 'degraded', ["static IP 198.18.10.20 of vNIC 'plant' is not in place (the network has 198.18.10.99)"]],
    ['runtime not answering', { runtime: { answered: false, at: 'T' } }, 'degraded', ['runtime API not answering (last probe T)']],
    ['a board problem', { problems: ["DHCP for vNIC 'lan' got no lease (leasefail); the client keeps trying"] }, 'degraded', ["DHCP for vNIC 'lan' got no lease (leasefail); the client keeps trying"]],
    ['runtime still starting', { waitingForRuntime: true, vnics: [dhcp({ leaseIp: undefined })] }, 'starting', ['waiting for the runtime API to answer']],
    ['Docker says exited', { container: 'exited', vnics: [dhcp({ leaseIp: undefined })] }, 'stopped', []],
    ['Docker says created', { container: 'created' }, 'stopped', []],
    ['restart suspended', { container: 'exited', suspension: 'restarts suspended: …' }, 'suspended', ['restarts suspended: …']],
    ['Docker restarting', { container: 'restarting' }, 'starting', []],
    ['dead container', { container: 'dead' }, 'error', ['the container is dead']],
    ['paused container', { container: 'paused' }, 'degraded', ['the container is paused']],
    ['no container', { container: 'missing' }, 'missing', ['no container: it is recreated by the reconcile loop or by a start']],
    ['create in flight', { operation: { status: 'creating', error: null } }, 'creating', []],
    ['delete in flight', { operation: { status: 'deleting', error: null } }, 'deleting', []],
    ['failed operation', { operation: { status: 'error', error: 'boom' } }, 'error', ['boom']],
  ])('%s → %s', (_what, over, health, reasons) => {
    expect(deriveHealth(facts(over))).toEqual({ health, reasons });
  });

  it('lists every reason once, the derived ones first', () => {
    const lease = "no DHCP lease on vNIC 'lan'";
    const h = deriveHealth(facts({ vnics: [dhcp({ leaseIp: undefined }), stat({ attached: false })], runtime: { answered: false, at: 'T' }, problems: [lease, 'other'] }));
    expect(h).toEqual({ health: 'degraded', reasons: [lease, "vNIC 'plant' is not attached to its network", 'runtime API not answering (last probe T)', 'other'] });
  });
});
