import { z } from 'zod';
import { OperationStep, PullProgress } from './operations.js';
import { DedicatedNicState, VnicModeView } from './host-nic.js';
import { PlcView } from './plc.js';
import { SerialPortState } from './serial.js';

/** One LAN network of a vPLC: what is on the wire (for DHCP vNICs, the lease). */
export const VplcNetworkView = z.object({ ip_address: z.string().nullable(), mac_address: z.string().nullable(), gateway: z.string().nullable() });
export type VplcNetworkView = z.infer<typeof VplcNetworkView>;

/** The last failed create or delete of a vPLC, kept for 24 h. */
export const LastOperationError = z.object({ operation: z.enum(['create', 'delete', 'unknown']), error: z.string(), at: z.string() });

/**
 * EXTEND: what the agent says a vPLC is, derived from verified facts (docs/status.md): `running` only when the
 * container runs, every vNIC is attached with its requested MAC on the wire and its lease or static IP in place, and the
 * runtime answers; `degraded` when it runs short of that, with the reasons. Our words: `stopped`, never Docker's `exited`.
 */
export const VplcHealth = z.enum(['running', 'degraded', 'starting', 'stopped', 'suspended', 'creating', 'deleting', 'error', 'missing']);
export type VplcHealth = z.infer<typeof VplcHealth>;

/** EXTEND: what the orchestrator adds about a vPLC it manages. */
export const OrchestratorStateView = z.object({
  managed: z.literal('labelled'),
  desired_state: z.enum(['running', 'stopped']),
  restarts_in_window: z.number().int().nonnegative(),
  restart_suspended: z.boolean(),
  /** ISO instant when suspended automatic restarts resume. */
  restarts_resume_at: z.string().optional(),
  warnings: z.array(z.string()),
  last_error: LastOperationError.nullable(),
  /** Present while a started vPLC's runtime API has not answered yet (EXTEND; `since` is local time like `started_at`). */
  starting: z.object({ step: z.literal('waiting_for_runtime'), since: z.string() }).optional(),
  /** EXTEND: the derived health and why it is not `running` (the reasons are also in `warnings`). */
  health: VplcHealth.optional(),
  health_reasons: z.array(z.string()).optional(),
  /** EXTEND: the last create ended "created with problems": what it could not verify (kept 24 h). */
  create_problems: z.array(z.string()).optional(),
  /** Changes that wait for the vPLC's change window. */
  pending_changes: z.array(z.string()).optional(),
});

/**
 * The `get_device_status` answer (docs/protocol.md §4.5) without `action`/`correlation_id`; the local API's
 * `vplc:status` returns the same object. Which fields are present depends on `status`:
 * - `success`: the container's state, its networks and `orchestrator_state`;
 * - `creating` / `deleting`: the operation, its current `step` and times (at `pulling_image`, `pull_progress` once the
 *   engine reports);
 * - `error`: `error`, with the operation's fields when an operation failed;
 * - `not_found`: `device_id` and `message`.
 */
export const VplcStatus = z.object({
  status: z.enum(['success', 'creating', 'deleting', 'error', 'not_found']),
  device_id: z.string().optional(),
  message: z.string().optional(),
  error: z.string().optional(),
  operation: z.enum(['create', 'delete', 'unknown']).optional(),
  step: OperationStep.optional(),
  pull_progress: PullProgress.optional(),
  started_at: z.string().optional(),
  updated_at: z.string().optional(),
  container_status: z.string().optional(),
  is_running: z.boolean().optional(),
  networks: z.record(z.string(), VplcNetworkView).optional(),
  restart_count: z.number().int().nonnegative().optional(),
  internal_ip: z.string().optional(),
  uptime_seconds: z.number().int().nonnegative().optional(),
  exit_code: z.number().int().optional(),
  health_status: z.string().optional(),
  orchestrator_state: OrchestratorStateView.optional(),
  /** EXTEND: the PLC inside (docs/plc.md); `connection: not_connected` without the user's runtime credentials. */
  plc: PlcView.optional(),
  /** The vPLC's serial ports and their live state (docs/serial.md); present only when it has any (docs/protocol.md §4.5). */
  serial_ports: z.array(SerialPortState).optional(),
  /** EXTEND: the host NIC given to this vPLC and where it is now (docs/host-nics.md); present only when it has one. */
  dedicated_nic: DedicatedNicState.optional(),
  /** EXTEND: how each vNIC reaches the LAN (MACVLAN or WiFi proxy ARP) and why (docs/host-nics.md). */
  vnic_modes: z.array(VnicModeView).optional(),
});
export type VplcStatus = z.infer<typeof VplcStatus>;
