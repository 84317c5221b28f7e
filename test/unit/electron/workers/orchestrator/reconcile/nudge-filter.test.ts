// Which vPLC events nudge the reconcile loop: the ones that can change its plan's inputs, not the frequent ones that
// cannot (DHCP renewals, create progress, vNIC re-attachments), whose cycle would list every container for nothing.
import { describe, expect, it } from 'vitest';
import type { ChangeReason } from '../../../../../../shared/domain/operations.js';
import type { VplcEvent } from '../../../../../../electron/workers/orchestrator/context.js';
import { nudgesReconcile } from '../../../../../../electron/workers/orchestrator/reconcile/nudge-filter.js';

const changed = (reason: ChangeReason): VplcEvent => ({ kind: 'changed', name: 'p1', reason });

describe('nudgesReconcile', () => {
  it.each<ChangeReason>(['edited', 'update-pending', 'update-applied', 'update-rolled-back', 'created', 'create-failed', 'delete-failed', 'started', 'stopped', 'plc-state', 'plc-fault-restart', 'auto-start:watchdog', 'auto-start:boot-sync'])(
    'nudges on %s',
    (reason) => expect(nudgesReconcile(changed(reason))).toBe(true),
  );

  it.each<ChangeReason>(['dhcp-lease', 'dhcp-leasefail', 'dhcp-nak', 'vnic-reattached', 'vnic-detached', 'vnic-failed', 'pulling_image', 'creating_container', 'waiting_for_runtime', 'plc-force', 'plc-forces-cleared', 'dedicated-nic', 'dedicated-nic-failed'])(
    'does not nudge on %s',
    (reason) => expect(nudgesReconcile(changed(reason))).toBe(false),
  );

  it('does not nudge on a removal or a suspended crash loop', () => {
    expect(nudgesReconcile({ kind: 'removed', name: 'p1' })).toBe(false);
    expect(nudgesReconcile({ kind: 'restart-suspended', name: 'p1', restarts: 3 })).toBe(false);
  });
});
