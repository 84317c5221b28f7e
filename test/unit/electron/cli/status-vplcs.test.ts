// How `status` writes a vPLC's LAN addresses and warnings from the agent's `vplc:status` answer.
import { describe, expect, it } from 'vitest';
import { lanLine, vplcWord, warningsOf } from '../../../../electron/cli/status-vplcs.js';
import { VplcStatus } from '../../../../shared/domain/vplc-status.js';

const status = VplcStatus.parse({
  status: 'success',
  device_id: 'plc-1',
  networks: {
    macvlan_eth1_198_18_1_0_24: { ip_address: '198.18.1.20', mac_address: '02:00:00:00:00:01', gateway: null },
    macvlan_eth2_198_18_2_0_24: { ip_address: null, mac_address: '02:00:00:00:00:02', gateway: null },
  },
  orchestrator_state: {
    managed: 'labelled',
    desired_state: 'running',
    restarts_in_window: 0,
    restart_suspended: false,
    warnings: ['vNIC lan2: waiting for a DHCP lease'],
    last_error: { operation: 'create', error: 'runtime API not answering after 60 s', at: '2026-12-04T19:00:00Z' },
  },
});

describe('status: one vPLC', () => {
  it('lists each LAN network with its address, or that it has none yet', () => {
    expect(lanLine(status)).toBe('macvlan_eth1_198_18_1_0_24 198.18.1.20, macvlan_eth2_198_18_2_0_24 no address yet');
    expect(lanLine(VplcStatus.parse({ status: 'success', networks: {} }))).toBe('no LAN network');
  });

  it('gives the agent’s warnings and the last failed operation', () => {
    expect(warningsOf(status)).toEqual(['vNIC lan2: waiting for a DHCP lease', 'last create failed: runtime API not answering after 60 s']);
    expect(warningsOf(VplcStatus.parse({ status: 'error', error: 'Interface eth9 not found on host' }))).toEqual(['Interface eth9 not found on host']);
  });
});

describe('status: the word for a vPLC', () => {
  it('uses the derived health, and stopped for what Docker calls exited', () => {
    expect(vplcWord({ state: 'running', health: 'degraded' })).toBe('degraded');
    expect(vplcWord({ state: 'exited', health: 'stopped' })).toBe('stopped');
    expect(vplcWord({ state: 'exited' })).toBe('stopped');
    expect(vplcWord({ state: 'running' })).toBe('running');
  });
});
