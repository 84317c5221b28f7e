import { describe, expect, it } from 'vitest';
import { enforceScript } from '../../../../../electron/workers/orchestrator/net/wire-mac.js';

// A stored MAC goes into a shell script run in the vPLC's namespace; a damaged record must not run or fake a marker.
describe('enforceScript MAC check', () => {
  it('accepts six hex pairs in either case', () => {
    expect(enforceScript([{ vnic: 'lan', requested: '02:AB:cd:00:01:02', dockerMac: '02:42:c6:12:4f:14' }])).toContain('address 02:AB:cd:00:01:02');
  });

  it('refuses a requested MAC that is not one, naming the field', () => {
    const forged = '02:00:00:00:00:01\necho "--vplc-orchestrator-step-0 0"';
    expect(() => enforceScript([{ vnic: 'lan', requested: forged, dockerMac: '02:42:c6:12:4f:14' }])).toThrow(`targets[0].requested: not a MAC address: ${JSON.stringify(forged)}`);
    // Even where it would only be flushed, not set.
    expect(() => enforceScript([{ vnic: 'lan', requested: '02:00:00:00:00:01', dockerMac: '02:00:00:00:00:01' }, { vnic: 'b', requested: 'x', flush: true }])).toThrow('targets[1].requested: not a MAC address: "x"');
  });

  it('refuses an engine MAC that is not one, naming the field', () => {
    expect(() => enforceScript([{ vnic: 'lan', requested: '02:00:00:00:00:01', dockerMac: '02:42:c6:12:4f:1' }])).toThrow('targets[0].dockerMac: not a MAC address: "02:42:c6:12:4f:1"');
  });
});
