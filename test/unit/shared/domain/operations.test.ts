import { describe, expect, it } from 'vitest';
import { autoStartOf, ChangeReason, CreateStep, DeleteStep, isNetworkReason, VplcChange } from '../../../../shared/domain/operations.js';
import { events } from '../../../../shared/api/contract.js';
import { OrchestratorEvents } from '../../../../electron/lib/protocol/orchestrator-ops.js';

/** Every reason the orchestrator emits today (create steps, outcomes, network events, automatic starts). */
const EMITTED = [
  'validating_config',
  'pulling_image',
  'creating_networks',
  'creating_container',
  'waiting_for_runtime',
  'created',
  'create-failed',
  'delete-failed',
  'started',
  'stopped',
  'auto-start:watchdog',
  'auto-start:boot-sync',
  'auto-start:reconcile',
  'auto-start:engine-recovery',
  'vnic-reattached',
  'vnic-detached',
  'vnic-failed',
  'dhcp-lease',
  'dhcp-leasefail',
  'dhcp-nak',
  'update-pending',
  'update-applied',
  'update-rolled-back',
];

describe('change reasons', () => {
  it('accept every reason the orchestrator emits, and nothing else', () => {
    for (const r of EMITTED) expect(ChangeReason.safeParse(r).success, r).toBe(true);
    for (const r of ['', 'auto-start:', 'auto-start:cron', 'vnic-unchanged', 'Created', 'dhcp-bound']) expect(ChangeReason.safeParse(r).success, r).toBe(false);
  });

  it('say which are about the network and which automatic start', () => {
    expect(EMITTED.filter((r) => isNetworkReason(ChangeReason.parse(r)))).toEqual(['vnic-reattached', 'vnic-detached', 'vnic-failed', 'dhcp-lease', 'dhcp-leasefail', 'dhcp-nak']);
    expect(isNetworkReason(undefined)).toBe(false);
    expect(autoStartOf('auto-start:boot-sync')).toBe('boot-sync');
    expect(autoStartOf('started')).toBeNull();
    expect(autoStartOf(undefined)).toBeNull();
  });

  it('travel in one change shape on the worker bus and to the UI', () => {
    const change = { kind: 'changed', name: 'plc1', reason: 'dhcp-lease' } as const;
    expect(OrchestratorEvents['vplc.changed'].parse(change)).toEqual(change);
    expect(events['vplc:changed'].parse(change)).toEqual(change);
    expect(VplcChange.safeParse({ kind: 'removed', name: 'plc1' }).success).toBe(true);
    expect(VplcChange.safeParse({ kind: 'changed', name: 'plc1', reason: 'repainted' }).success).toBe(false);
  });
});

describe('create steps', () => {
  it('are the docs/protocol.md §5.7 steps in order', () => {
    expect(CreateStep.options).toEqual(['validating_config', 'pulling_image', 'creating_networks', 'creating_container', 'starting_dhcp', 'waiting_for_runtime']);
  });
});

describe('delete steps', () => {
  it("are the reference's two (docs/protocol.md §5.9): a dedicated NIC goes back within stopping_container", () => {
    expect(DeleteStep.options).toEqual(['stopping_container', 'removing_networks']);
  });
});
