import { formatChange, specDiff } from '../../../../shared/domain/vplc-diff.js';
import { desiredSpec } from '../edit/serial-ports.js';
import type { DesiredRecord } from '../store/schemas.js';

/** What Docker shows for one vPLC container labelled ours. */
export type Observed = { name: string; status: string; running: boolean; specHash: string | null };

export type ActionKind = 'remove-tombstoned' | 'start' | 'create' | 'redeploy' | 'update';
export type Action = { vplc: string; kind: ActionKind; reason: string };
/** A difference that is not repaired now: a running vPLC outside its change window, or one the agent may not change. */
export type Pending = { vplc: string; reason: string };

/** Fixed priority: leftovers of deletes, then starts, then creates, then redeploys. */
export const PRIORITY: Record<ActionKind, number> = { 'remove-tombstoned': 0, start: 1, create: 2, redeploy: 3, update: 4 };

export type PlanInput = {
  desired: Map<string, DesiredRecord>;
  observed: Map<string, Observed>;
  /** An operation (create/delete/control) holds the vPLC right now. */
  busy(name: string): boolean;
  /** The crash guard paused automatic restarts. */
  restartPaused(name: string): boolean;
  /** Crashed recently: the watchdog restarts it with its own backoff and counting, so reconcile keeps out. */
  watchdogOwns(name: string): boolean;
  /** The spec hash a container created from the desired record would carry, or null when it cannot be known. */
  expectedHash(name: string): string | null;
  /** Inside the change window: stopped, `change_policy: immediate`, or confirmed by the cloud or the UI. */
  mayChange(name: string, running: boolean): boolean;
  /** Which rule holds a running vPLC's change, in words (docs/plc.md "Changes only when the PLC allows"); absent: none said. */
  heldBy?(name: string): string;
  /** Recent failed attempts: the vPLC waits for its retry time. */
  backingOff(name: string): boolean;
  /** The vPLC's `depends_on`. */
  dependsOn(name: string): string[];
};

export type Plan = { actions: Action[]; pending: Pending[]; adopted: string[] };

/**
 * Compares desired records with what Docker shows and picks at most one change per vPLC, in priority order.
 * A container without a desired record is adopted as it is, never removed; a running vPLC whose container differs
 * from its spec is recreated only inside its change window, otherwise the difference is reported as pending.
 */
export function planReconcile(i: PlanInput): Plan {
  const actions: Action[] = [];
  const pending: Pending[] = [];
  const adopted: string[] = [];
  const held = (name: string, reason: string): Pending => {
    const by = i.heldBy?.(name);
    return { vplc: name, reason: `${reason}; ${by ?? 'it is applied when the vPLC is stopped or the change is confirmed'}` };
  };
  for (const name of i.observed.keys()) if (!i.desired.has(name)) adopted.push(name);
  for (const [name, d] of i.desired) {
    if (i.busy(name)) continue;
    if (i.backingOff(name)) {
      pending.push({ vplc: name, reason: 'the last repair failed; retrying later' });
      continue;
    }
    const o = i.observed.get(name);
    if (d.tombstone) {
      // With or without its container: a delete (or a failed create's rollback) that could not finish is finished here,
      // so its records do not hold the name until the next agent start.
      actions.push({ vplc: name, kind: 'remove-tombstoned', reason: o ? 'an interrupted delete left the container' : 'an interrupted delete left its records' });
      continue;
    }
    if (!o) {
      if (d.spec) actions.push({ vplc: name, kind: 'create', reason: 'the container is missing' });
      else pending.push({ vplc: name, reason: 'the container is missing and no spec is stored to recreate it' });
      continue;
    }
    if (d.desired_state === 'running' && !o.running && (o.status === 'exited' || o.status === 'created')) {
      if (i.restartPaused(name)) pending.push({ vplc: name, reason: 'should run, but automatic restarts are paused after repeated crashes' });
      else if (i.watchdogOwns(name)) continue;
      else actions.push({ vplc: name, kind: 'start', reason: `should run but is ${o.status}` });
      continue;
    }
    if (d.auto_update && d.image_update?.phase === 'pending') {
      const digest = d.image_update.digest.slice(0, 19);
      if (i.mayChange(name, o.running)) actions.push({ vplc: name, kind: 'update', reason: `runtime update ${digest}` });
      else pending.push(held(name, `runtime update ${digest} waits for the change window`));
      continue;
    }
    // Inside the window, held ports are put into effect before planning (Reconciler) or, when they need other device
    // majors, by the redeploy below; outside it they are held.
    const ports = pendingPortsText(d);
    if (ports && !i.mayChange(name, o.running)) pending.push(held(name, `${ports} waits for the change window`));
    const expected = i.expectedHash(name);
    if (expected && o.specHash && expected !== o.specHash) {
      if (i.mayChange(name, o.running)) actions.push({ vplc: name, kind: 'redeploy', reason: 'the container differs from the stored spec' });
      else pending.push(held(name, 'the container differs from the stored spec (image or configuration)'));
    }
  }
  // depends_on holds during repairs and updates too: a vPLC whose dependency changes in this cycle waits for the next
  // one (the apply step then also waits until that dependency is healthy).
  const changing = new Set(actions.map((a) => a.vplc));
  const ordered: Action[] = [];
  for (const a of actions) {
    const dep = i.dependsOn(a.vplc).find((d) => changing.has(d));
    if (dep) pending.push({ vplc: a.vplc, reason: `waits for ${dep} to be changed first (depends_on)` });
    else ordered.push(a);
  }
  ordered.sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind] || a.vplc.localeCompare(b.vplc));
  return { actions: ordered, pending, adopted: adopted.sort() };
}

/** A record's pending serial ports as the edit's diff lines (`serialPorts.rtu: /dev/a at /dev/ttyS0 → …`), or null. */
export function pendingPortsText(d: DesiredRecord): string | null {
  const wanted = desiredSpec(d);
  if (!d.spec || !wanted || d.pending_serial_ports === undefined) return null;
  const lines = specDiff(d.spec, wanted).map(formatChange);
  return lines.length ? lines.join('; ') : null;
}
