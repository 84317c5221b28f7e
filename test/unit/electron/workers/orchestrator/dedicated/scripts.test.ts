import { describe, expect, it } from 'vitest';
import { moveStep, returnStep, upInsideStep, upOnHostStep } from '../../../../../../electron/workers/orchestrator/dedicated/scripts.js';

describe('dedicated-NIC host steps', () => {
  it('moves with host PID and NET_ADMIN only: link down, then into the PID namespace', () => {
    expect(moveStep('enp4s0', 4242)).toEqual({
      what: "move enp4s0 into PID 4242's network namespace",
      script: 'set -e\nip link set dev enp4s0 down\nip link set dev enp4s0 netns 4242\n',
      capabilities: ['NET_ADMIN'],
      pidHost: true,
    });
  });

  it('brings it up inside the vPLC and hands it back to PID 1 from the vPLC namespace', () => {
    expect(upInsideStep('enp4s0', 'abc')).toMatchObject({ capabilities: ['NET_ADMIN'], netnsOf: 'abc' });
    expect(upInsideStep('enp4s0', 'abc').script).toContain('ip link set dev enp4s0 up');
    expect(returnStep('enp4s0', 'abc')).toMatchObject({ capabilities: ['NET_ADMIN'], netnsOf: 'abc', pidHost: true });
    expect(returnStep('enp4s0', 'abc').script).toContain('ip link set dev enp4s0 netns 1');
    expect(upOnHostStep('enp4s0')).toEqual({ what: 'bring enp4s0 up on the host', script: 'ip link set dev enp4s0 up\n', capabilities: ['NET_ADMIN'] });
  });

  it('refuses arguments a shell would read as more than a name or a PID', () => {
    for (const bad of ['', 'a b', 'eth0;reboot', '$(id)', 'x'.repeat(16), '..', 'eth0\n']) {
      expect(() => moveStep(bad, 100)).toThrow(/invalid interface name/);
      expect(() => returnStep(bad, 'c')).toThrow(/invalid interface name/);
    }
    for (const pid of [0, 1, -5, 1.5, Number.NaN]) expect(() => moveStep('eth1', pid)).toThrow(/invalid container PID/);
  });
});
