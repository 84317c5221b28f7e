// The PLC-aware policy where it meets older parts: health, the spec hash, the reconcile plan, the edit diff, the cloud.
import { describe, expect, it } from 'vitest';
import { planReconcile, type PlanInput } from '../../../../../../electron/workers/orchestrator/reconcile/plan.js';
import { specHash } from '../../../../../../electron/workers/orchestrator/spec/container-spec.js';
import { deriveHealth, type HealthFacts } from '../../../../../../electron/workers/orchestrator/status/health.js';
import type { DesiredRecord } from '../../../../../../electron/workers/orchestrator/store/schemas.js';
import { parseCommand } from '../../../../../../shared/cloud/parse.js';
import { CreateNewRuntimeRequest, toVplcSpec } from '../../../../../../shared/cloud/create-new-runtime.js';
import { specDiff } from '../../../../../../shared/domain/vplc-diff.js';

const facts = (over: Partial<HealthFacts> = {}): HealthFacts => ({ container: 'running', operation: null, waitingForRuntime: false, suspension: null, vnics: [], runtime: null, problems: [], ...over });

describe('PLC policy wiring', () => {
  it('a PLC fault makes a running vPLC degraded with its start; no fault, no reason', () => {
    expect(deriveHealth(facts({ plcFaultSince: '2026-12-05T06:00:00.000Z' }))).toEqual({
      health: 'degraded',
      reasons: ['PLC fault: the runtime reports ERROR since 2026-12-05T06:00:00.000Z (its core restarts)'],
    });
    expect(deriveHealth(facts({ plcFaultSince: null }))).toEqual({ health: 'running', reasons: [] });
  });

  it('keeps plcAwareChanges out of the container spec hash (turning it off must not recreate the vPLC)', () => {
    const spec = { name: 'p', runtimeVersion: 'latest', vnics: [] };
    const h = specHash(spec, 'img', true, {});
    expect(specHash({ ...spec, plcAwareChanges: false }, 'img', true, {})).toBe(h);
    expect(specHash({ ...spec, plcAwareChanges: true }, 'img', true, {})).toBe(h);
    expect(specHash({ ...spec, changePolicy: 'immediate' }, 'img', true, {})).not.toBe(h);
  });

  it('says in the pending reason which rule holds a running vPLC’s change', () => {
    const rec: DesiredRecord = { desired_state: 'running', created_at: 'x', updated_at: 'x', spec: { name: 'p', vnics: [], runtimeVersion: 'latest' }, runtime_image: 'r', degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false };
    const input: PlanInput = {
      desired: new Map([['p', rec]]),
      observed: new Map([['p', { name: 'p', status: 'running', running: true, specHash: 'old' }]]),
      busy: () => false,
      restartPaused: () => false,
      watchdogOwns: () => false,
      expectedHash: () => 'new',
      mayChange: () => false,
      heldBy: () => 'held: the PLC program is running; stop the PLC or confirm',
      backingOff: () => false,
      dependsOn: () => [],
    };
    expect(planReconcile(input).pending[0]?.reason).toMatch(/; held: the PLC program is running; stop the PLC or confirm$/);
    expect(planReconcile({ ...input, mayChange: () => true }).actions.map((a) => a.kind)).toEqual(['redeploy']);
  });

  it('shows a change of plcAwareChanges in the edit diff', () => {
    const a = { name: 'p', runtimeVersion: 'latest', vnics: [] };
    expect(specDiff(a, { ...a, plcAwareChanges: false })).toEqual([{ path: 'plcAwareChanges', from: 'true', to: 'false' }]);
    expect(specDiff(a, { ...a, plcAwareChanges: true })).toEqual([]);
  });

  it('takes plc_aware_changes from create_new_runtime (EXTEND)', () => {
    const r = parseCommand(CreateNewRuntimeRequest, { correlation_id: 1, container_name: 'plc-001', vnic_configs: [], plc_aware_changes: false });
    if (!r.ok) throw new Error(r.error);
    expect(toVplcSpec(r.value).plcAwareChanges).toBe(false);
    expect(parseCommand(CreateNewRuntimeRequest, { correlation_id: 1, container_name: 'plc-001', vnic_configs: [], plc_aware_changes: 'yes' })).toMatchObject({ ok: false, field: 'plc_aware_changes' });
  });
});
