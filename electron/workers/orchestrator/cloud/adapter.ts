import { cloudAck } from '../../../../shared/api/errors.js';
import type { AckBody } from '../../../../shared/cloud/acks.js';
import { toVplcSpec } from '../../../../shared/cloud/create-new-runtime.js';
import type { RequestOf, RequestTopic } from '../../../../shared/cloud/topics.js';
import { cloudSerialDevice } from '../../../../shared/domain/serial.js';
import type { CloudCommandTarget } from '../../../lib/protocol/cloud-command.js';
import { cloudControlResult } from '../lifecycle/control.js';
import type { Orchestrator } from '../orchestrator.js';
import { hostInterfacesBody, type InterfaceFact } from './host-interfaces.js';

/** What the adapter uses of the orchestrator (the real class satisfies it; the fuzz suite passes a recorder). */
export type OrchestratorPort = Pick<
  Orchestrator,
  'create' | 'delete' | 'start' | 'stop' | 'restart' | 'status' | 'runCommand' | 'consumptionDevice' | 'consumptionOrchestrator' | 'selfDestruct' | 'applyPendingChanges' | 'serialDevices'
> &
  Partial<Pick<Orchestrator, 'dedicatedNics'>>;

export interface OrchestratorTargetOptions {
  orchestrator: OrchestratorPort;
  /** The interface cache (orchestrator `ctx.interfaces`). */
  interfaces: { list(): Promise<InterfaceFact[]> };
  /** Local setting "Allow the cloud to remove this orchestrator" (docs/protocol.md §4.3 EXTEND), read at each request. */
  allowRemoteRemoval: () => boolean;
  /** Self-destruct's `removing_self` step: retire the credentials and stop the link. */
  removeSelf: () => Promise<void>;
}

type Handlers = { [K in RequestTopic]: (req: RequestOf<K>) => Promise<AckBody> };

/** An ack result object as an ack body (the results are plain objects; this only widens their type). */
const body = (v: object): AckBody => Object.fromEntries(Object.entries(v));

type StatusAnswer = Awaited<ReturnType<OrchestratorPort['status']>>;
type PortState = NonNullable<StatusAnswer['serial_ports']>[number];

/** A port as §4.5 lists it: `current_host_path` only when the port has one (the local API keeps the null). */
function cloudPort(p: PortState): Record<string, unknown> {
  const { current_host_path: host, ...rest } = p;
  return host === null ? rest : { ...rest, current_host_path: host };
}

/**
 * The status as the cloud gets it (docs/protocol.md §4.5): the PLC view without the runtime user name (the user's
 * credentials, name included, never leave this PC: docs/plc.md "Credentials"), and each serial port's
 * `current_host_path` only when set.
 */
function forCloud(status: StatusAnswer): AckBody {
  const withPlc = status.plc ? { ...status, plc: { ...status.plc, username: null } } : status;
  return body(withPlc.serial_ports ? { ...withPlc, serial_ports: withPlc.serial_ports.map(cloudPort) } : withPlc);
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Binds the cloud topics to the orchestrator (docs/protocol.md §4); runs inside the orchestrator worker, or in-process in tests. */
export function orchestratorTarget(o: OrchestratorTargetOptions): CloudCommandTarget {
  const orch = o.orchestrator;
  const handlers: Handlers = {
    create_new_runtime: async (req) => {
      const ack = cloudAck(await orch.create(toVplcSpec(req), 'cloud'));
      // §4.1 (MATCH): the count only when serial ports were asked for.
      return body(ack.status === 'creating' && req.serial_configs.length > 0 ? { ...ack, serial_configs_count: req.serial_configs.length } : ack);
    },
    delete_device: async (req) => body(cloudAck(await orch.delete(req.device_id, 'cloud'))),
    delete_orchestrator: async () => {
      if (!o.allowRemoteRemoval()) return { status: 'error', error: 'Remote removal is disabled on this orchestrator' };
      return body(orch.selfDestruct(o.removeSelf));
    },
    run_command: async (req) => body(await orch.runCommand(req)),
    get_device_status: async (req) => forCloud(await orch.status(req.device_id)),
    get_host_interfaces: async (req) => {
      try {
        return hostInterfacesBody(await o.interfaces.list(), req, orch.dedicatedNics?.() ?? []);
      } catch (err) {
        return { status: 'error', error: `Failed to retrieve network interfaces: ${errText(err)}` };
      }
    },
    // Only devices with a by-id link, already sorted by it (docs/protocol.md §4.7); built-in UARTs are not listed.
    get_serial_devices: () => {
      const devices = orch.serialDevices().devices.map(cloudSerialDevice);
      return Promise.resolve({ status: 'success', count: devices.length, devices });
    },
    get_consumption_device: async (req) => orch.consumptionDevice(req.device_id, req.cpuPeriod, req.memoryPeriod),
    get_consumption_orchestrator: async (req) => orch.consumptionOrchestrator(req.cpuPeriod, req.memoryPeriod),
    start_device: async (req) => body(cloudControlResult(await orch.start(req.device_id, 'cloud'))),
    stop_device: async (req) => body(await orch.stop(req.device_id, 'cloud')),
    restart_device: async (req) => body(cloudControlResult(await orch.restart(req.device_id, 'cloud'))),
    apply_pending_changes: async (req) => ({ device_id: req.device_id, ...(await orch.applyPendingChanges(req.device_id, 'cloud')) }),
  };
  return {
    execute: <T extends RequestTopic>(topic: T, request: RequestOf<T>): Promise<AckBody> => (handlers[topic] as (r: RequestOf<T>) => Promise<AckBody>)(request),
  };
}
