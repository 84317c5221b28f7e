// Serial ports in an edit (docs/editing.md "Serial ports"): the stored spec keeps the ports in effect while a change
// of them waits for the change window; the diff names each port; reconcile lists the held change in words.
import { describe, expect, it } from 'vitest';
import { desiredSpec, promotePendingPorts, storeWithPorts } from '../../../../../../electron/workers/orchestrator/edit/serial-ports.js';
import { pendingPortsText, planReconcile } from '../../../../../../electron/workers/orchestrator/reconcile/plan.js';
import type { DesiredRecord } from '../../../../../../electron/workers/orchestrator/store/schemas.js';
import type { SerialPortSpec } from '../../../../../../shared/domain/serial.js';
import type { VplcSpec } from '../../../../../../shared/domain/vplc.js';
import { formatChange, isSerialPortChange, specDiff } from '../../../../../../shared/domain/vplc-diff.js';

const rtu1: SerialPortSpec = { name: 'rtu', deviceId: '/dev/ttyRTU1', containerPath: '/dev/ttyS0' };
const rtu2: SerialPortSpec = { ...rtu1, deviceId: '/dev/ttyRTU2' };
const spec = (ports?: SerialPortSpec[], over: Partial<VplcSpec> = {}): VplcSpec => ({ name: 'p', vnics: [], runtimeVersion: 'latest', ...(ports ? { serialPorts: ports } : {}), ...over });
const rec = (over: Partial<DesiredRecord> = {}): DesiredRecord => ({
  desired_state: 'running', created_at: 'x', updated_at: 'x', spec: spec([rtu1]), runtime_image: 'r', degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false, ...over,
});

describe('specDiff of serial ports', () => {
  it('names each port by its name: changed, added and removed', () => {
    const a = spec([rtu1, { name: 'dbg', deviceId: '/dev/ttyS1', containerPath: '/dev/dbg' }]);
    const b = spec([{ ...rtu2, baudRate: 9600 }, { name: 'new', deviceId: 'usb-X', containerPath: '/dev/x', shared: true }]);
    const changes = specDiff(a, b);
    expect(changes.map(formatChange)).toEqual([
      'serialPorts.rtu: /dev/ttyRTU1 at /dev/ttyS0 → /dev/ttyRTU2 at /dev/ttyS0 (9600 baud)',
      'serialPorts.new: (none) → usb-X at /dev/x (shared)',
      'serialPorts.dbg: /dev/ttyS1 at /dev/dbg → (removed)',
    ]);
    expect(changes.every(isSerialPortChange)).toBe(true);
    expect(specDiff(a, a)).toEqual([]);
  });
});

describe('storing an edit with serial ports', () => {
  it('puts the ports into effect when the window is open', () => {
    const r = storeWithPorts(rec({ pending_serial_ports: [] }), spec([rtu2]), true);
    expect(r.spec?.serialPorts).toEqual([rtu2]);
    expect(r).not.toHaveProperty('pending_serial_ports');
  });

  it('keeps the ports in effect and holds the new ones when the window is closed; other fields are stored', () => {
    const r = storeWithPorts(rec(), spec([rtu2], { plcAwareChanges: false }), false);
    expect(r.spec).toEqual(spec([rtu1], { plcAwareChanges: false }));
    expect(r.pending_serial_ports).toEqual([rtu2]);
    expect(desiredSpec(r)?.serialPorts).toEqual([rtu2]);
  });

  it('holds the removal of every port as an empty pending list', () => {
    const r = storeWithPorts(rec(), spec(), false);
    expect(r.spec?.serialPorts).toEqual([rtu1]);
    expect(r.pending_serial_ports).toEqual([]);
    expect(desiredSpec(r)).not.toHaveProperty('serialPorts');
  });

  it('clears a pending change when the edit goes back to the ports in effect', () => {
    const r = storeWithPorts(rec({ pending_serial_ports: [rtu2] }), spec([rtu1]), false);
    expect(r).not.toHaveProperty('pending_serial_ports');
  });

  it('promotes pending ports into the spec', () => {
    expect(promotePendingPorts(rec({ pending_serial_ports: [rtu2] }))).toEqual(rec({ spec: spec([rtu2]) }));
    expect(promotePendingPorts(rec({ pending_serial_ports: [] })).spec).toEqual(spec());
  });
});

describe('reconcile lists held serial ports', () => {
  it('as the diff lines, with who holds them, and plans nothing for them', () => {
    const d = rec({ pending_serial_ports: [rtu2] });
    expect(pendingPortsText(d)).toBe('serialPorts.rtu: /dev/ttyRTU1 at /dev/ttyS0 → /dev/ttyRTU2 at /dev/ttyS0');
    expect(pendingPortsText(rec())).toBeNull();
    const plan = planReconcile({
      desired: new Map([['p', d]]),
      observed: new Map([['p', { name: 'p', status: 'running', running: true, specHash: 'h' }]]),
      busy: () => false,
      restartPaused: () => false,
      watchdogOwns: () => false,
      expectedHash: () => 'h',
      mayChange: () => false,
      heldBy: () => 'held: the PLC program is running; stop the PLC or confirm',
      backingOff: () => false,
      dependsOn: () => [],
    });
    expect(plan.actions).toEqual([]);
    expect(plan.pending).toEqual([
      { vplc: 'p', reason: 'serialPorts.rtu: /dev/ttyRTU1 at /dev/ttyS0 → /dev/ttyRTU2 at /dev/ttyS0 waits for the change window; held: the PLC program is running; stop the PLC or confirm' },
    ]);
  });
});
