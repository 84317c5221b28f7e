import { describe, expect, it } from 'vitest';
import { closesDebugSessions } from '../../../../../../electron/workers/orchestrator/debug/events.js';

describe('which vPLC changes close its debug sessions (docs/debug.md "Sessions")', () => {
  it('deleted, stopped, recreated, updated, restarted after a fault', () => {
    expect(closesDebugSessions({ kind: 'removed', name: 'p' })).toBe(true);
    for (const reason of ['stopped', 'created', 'update-applied', 'update-rolled-back', 'plc-fault-restart'] as const) {
      expect(closesDebugSessions({ kind: 'changed', name: 'p', reason })).toBe(true);
    }
  });

  it('not a lease, a network event, a PLC state change or a start', () => {
    for (const reason of ['dhcp-lease', 'vnic-reattached', 'plc-state', 'started', 'edited'] as const) {
      expect(closesDebugSessions({ kind: 'changed', name: 'p', reason })).toBe(false);
    }
    expect(closesDebugSessions({ kind: 'restart-suspended', name: 'p', restarts: 5 })).toBe(false);
  });
});
