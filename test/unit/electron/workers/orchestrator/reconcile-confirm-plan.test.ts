// Held serial ports in the plan (docs/editing.md "Serial ports"): inside the change window, ports that need other
// device majors are the redeploy's to put into effect, not a pending line; outside it they are held.
import { describe, expect, it } from 'vitest';
import { planReconcile, type Observed, type PlanInput } from '../../../../../electron/workers/orchestrator/reconcile/plan.js';
import type { DesiredRecord } from '../../../../../electron/workers/orchestrator/store/schemas.js';

const rtu = { name: 'rtu', deviceId: '/dev/ttyS0', containerPath: '/dev/ttyRTU' };
const held: DesiredRecord = {
  desired_state: 'running',
  created_at: 'x',
  updated_at: 'x',
  spec: { name: 'p', vnics: [], runtimeVersion: 'latest', serialPorts: [{ ...rtu, deviceId: 'usb-A' }] },
  pending_serial_ports: [rtu],
  runtime_image: 'r:latest',
  degraded_ulimits: false,
  tombstone: false,
  depends_on: [],
  auto_update: false,
};
const running: Observed = { name: 'p', status: 'running', running: true, specHash: 'old' };
const input = (over: Partial<PlanInput>): PlanInput => ({
  desired: new Map([['p', held]]),
  observed: new Map([['p', running]]),
  busy: () => false,
  restartPaused: () => false,
  watchdogOwns: () => false,
  // The hash of the record with the held ports in effect (Reconciler passes it for ports that need a recreate).
  expectedHash: () => 'with-ports',
  mayChange: () => false,
  backingOff: () => false,
  dependsOn: () => [],
  ...over,
});

describe('held serial ports in the reconcile plan', () => {
  it('redeploys inside the change window, with no pending line for the ports', () => {
    const p = planReconcile(input({ mayChange: () => true }));
    expect(p.actions).toEqual([{ vplc: 'p', kind: 'redeploy', reason: 'the container differs from the stored spec' }]);
    expect(p.pending).toEqual([]);
  });

  it('holds them outside the window, with the container difference', () => {
    const p = planReconcile(input({}));
    expect(p.actions).toEqual([]);
    expect(p.pending.map((x) => x.reason)).toEqual([
      expect.stringContaining('serialPorts.rtu: usb-A at /dev/ttyRTU → /dev/ttyS0 at /dev/ttyRTU waits for the change window'),
      expect.stringContaining('the container differs from the stored spec'),
    ]);
  });
});
