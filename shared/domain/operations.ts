import { z } from 'zod';

/** The steps of a create, in order (docs/protocol.md §5.7); `get_device_status` reports the current one as `step`. */
export const CreateStep = z.enum(['validating_config', 'pulling_image', 'creating_networks', 'creating_container', 'starting_dhcp', 'waiting_for_runtime']);
export type CreateStep = z.infer<typeof CreateStep>;

/**
 * How far a registry pull has come, summed over its layers (docs/protocol.md §4.5, EXTEND): carried by the operation
 * state while a create is at `pulling_image`. Bytes are download bytes; a layer the engine already had counts as done
 * with no bytes.
 */
export const PullProgress = z.object({
  layers_done: z.number().int().nonnegative(),
  layers_total: z.number().int().nonnegative(),
  bytes_done: z.number().int().nonnegative(),
  bytes_total: z.number().int().nonnegative(),
});
export type PullProgress = z.infer<typeof PullProgress>;

/** The steps of a delete (docs/protocol.md §5.9): helpers, bridges and a dedicated NIC go back within `stopping_container`. */
export const DeleteStep = z.enum(['stopping_container', 'removing_networks']);
export type DeleteStep = z.infer<typeof DeleteStep>;

/** The steps of removing the whole orchestrator (`delete_orchestrator`), reported under the reserved device id. */
export const SelfDestructStep = z.enum([
  'starting',
  'returning_dedicated_nics',
  'deleting_runtimes',
  'cleaning_networks',
  'cleaning_proxy_arp',
  'deleting_netmon',
  'deleting_volume',
  'removing_self',
]);
export type SelfDestructStep = z.infer<typeof SelfDestructStep>;

/**
 * The create steps of host NICs (docs/host-nics.md), in this order between `starting_dhcp` and `waiting_for_runtime`:
 * the WiFi vNICs' proxy-ARP bridges, then the dedicated NIC's move; kept apart from CreateStep until the UI's step
 * list labels them.
 */
export const HostNicStep = z.enum(['configuring_wifi_vnics', 'moving_dedicated_nic']);
export type HostNicStep = z.infer<typeof HostNicStep>;

export const OperationStep = z.union([CreateStep, DeleteStep, SelfDestructStep, HostNicStep]);
export type OperationStep = z.infer<typeof OperationStep>;

/** Why the agent started a stopped vPLC by itself. */
export const AutoStartReason = z.enum(['watchdog', 'boot-sync', 'reconcile', 'engine-recovery']);
export type AutoStartReason = z.infer<typeof AutoStartReason>;

/** Outcomes of re-attaching one vNIC after a host network change. */
export const ReattachResult = z.enum(['reattached', 'detached', 'failed']);
export type ReattachResult = z.infer<typeof ReattachResult>;

/** Re-attachment and DHCP reasons: the ones the Network page's timeline shows. */
export const NetworkChangeReason = z.enum(['vnic-reattached', 'vnic-detached', 'vnic-failed', 'dhcp-lease', 'dhcp-leasefail', 'dhcp-nak']);
export type NetworkChangeReason = z.infer<typeof NetworkChangeReason>;

const OutcomeReason = z.enum(['created', 'create-failed', 'delete-failed', 'started', 'stopped', 'update-pending', 'update-applied', 'update-rolled-back', 'edited']);

/**
 * The PLC inside a vPLC changed (docs/plc.md): its status word, a fault, its credentials, a variable the cloud forced or
 * released (`plc-force`), forced variables gone with a runtime restart (`plc-forces-cleared`); the detail says how.
 */
export const PlcChangeReason = z.enum(['plc-state', 'plc-fault-restart', 'plc-force', 'plc-forces-cleared']);

/** A dedicated NIC moved or handed back (`dedicated-nic`), or a move that failed; the event's detail says which NIC and where. */
export const HostNicChangeReason = z.enum(['dedicated-nic', 'dedicated-nic-failed']);

/**
 * Why a vPLC `changed`: a create step reached, an outcome, a network event, or an automatic start
 * (`auto-start:<why>`). The orchestrator emits these; the journal and the network timeline read them.
 */
export const ChangeReason = z.union([CreateStep, OutcomeReason, NetworkChangeReason, PlcChangeReason, HostNicChangeReason, z.templateLiteral(['auto-start:', AutoStartReason])]);
export type ChangeReason = z.infer<typeof ChangeReason>;

export const isNetworkReason = (r: ChangeReason | undefined): r is NetworkChangeReason => NetworkChangeReason.safeParse(r).success;

/** The automatic start a reason names, or null. */
export function autoStartOf(r: ChangeReason | undefined): AutoStartReason | null {
  if (!r?.startsWith('auto-start:')) return null;
  const why = AutoStartReason.safeParse(r.slice('auto-start:'.length));
  return why.success ? why.data : null;
}

/** A change of one vPLC, as the orchestrator emits it and the UI receives it (`vplc:changed`); `detail`: the error of a failed outcome. */
export const VplcChange = z.object({ kind: z.enum(['changed', 'removed', 'restart-suspended']), name: z.string(), reason: ChangeReason.optional(), detail: z.string().optional() });
export type VplcChange = z.infer<typeof VplcChange>;
