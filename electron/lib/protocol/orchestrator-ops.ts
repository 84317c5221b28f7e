import { z } from 'zod';
import { REQUEST_TOPICS, type RequestTopic } from '../../../shared/cloud/topics.js';
import { HostSample } from '../../../shared/domain/host-sample.js';
import { VplcChange } from '../../../shared/domain/operations.js';
import { Requester, VplcSpec } from '../../../shared/domain/vplc.js';
import { NetmonEvent } from '../../../shared/netmon/events.js';
import { ImageLoadProgress } from '../../../shared/domain/runtime-images.js';
import { ImagePullProgress, PullVersion } from '../../../shared/domain/image-pull.js';
import { CompileProgress, RuntimeCredentialsInput } from '../../../shared/domain/plc.js';
import { SerialChange, SerialPortsChange } from '../../../shared/domain/serial.js';
import { DebugMessageInput } from '../../../shared/debug/types.js';
import { LiveValue, MAX_LIVE_PATHS } from '../../../shared/debug/live.js';

/**
 * Requests the orchestrator worker answers (from the API or, over the bus, from another worker), each with its input
 * schema. The worker's handler table parses every input once;
 * outputs are the orchestrator's own shapes (cloud acks and API values), validated where they are consumed.
 */
const name = z.object({ name: z.string().min(1) });
export const OrchestratorOps = {
  'vplc.list': z.object({}),
  'vplc.create': z.object({ spec: VplcSpec, requester: Requester }),
  'vplc.delete': name.extend({ requester: Requester }),
  'vplc.start': name.extend({ requester: Requester }),
  'vplc.stop': name.extend({ requester: Requester }),
  'vplc.restart': name.extend({ requester: Requester }),
  'vplc.status': name,
  /** An explicit confirm of a vPLC's pending changes (its change window). */
  'vplc.apply': name.extend({ requester: Requester }),
  /** Replaces a vPLC's stored spec (docs/editing.md). */
  'vplc.edit': name.extend({ spec: VplcSpec, requester: Requester }),
  'vplc.spec': name,
  'network.vnics': z.object({}),
  /** The host's serial devices and built-in UARTs (docs/serial.md). */
  'serial.devices': z.object({}),
  'reconcile.status': z.object({}),
  'metrics.vplcs': z.object({}),
  'vplc.logs': name.extend({ tail: z.number().int().positive().max(5_000) }),
  'host.interfaces': z.object({}),
  'agent.info': z.object({}),
  'engine.live-restore': z.object({}),
  'engine.enable-live-restore': z.object({}),
  'metrics.history': z.object({ target: z.string(), seconds: z.number().int().positive() }),
  'metrics.latest': z.object({}),
  /** Local images of the runtime repository and the vPLCs using each. */
  'images.list': z.object({}),
  /** Loads a `docker save` archive from a file on this PC; progress comes as `images.progress` events. */
  'images.load': z.object({ path: z.string().min(1), requester: Requester }),
  /** Pulls `<runtime repository>:<version>` from its registry; progress comes as `images.pull-progress` events. */
  'images.pull': z.object({ version: PullVersion, requester: Requester }),
  /** The PLC inside a vPLC (docs/plc.md); credentials cross here once, from the API, and are never echoed or logged. */
  'plc.set-credentials': name.extend({ credentials: RuntimeCredentialsInput, requester: Requester }),
  'plc.clear-credentials': name.extend({ requester: Requester }),
  'plc.create-user': name.extend({ credentials: RuntimeCredentialsInput, requester: Requester }),
  'plc.start': name.extend({ requester: Requester }),
  'plc.stop': name.extend({ requester: Requester }),
  'plc.upload': name.extend({ path: z.string().min(1), requester: Requester }),
  'plc.compile-status': name,
  'plc.logs': name.extend({ sinceId: z.number().int().nonnegative().optional(), level: z.string().optional(), limit: z.number().int().positive().max(2_000) }),
  'plc.history': name.extend({ seconds: z.number().int().positive() }),
  /** Live variables of a vPLC for the local UI (docs/debug.md "Live variables"). */
  'plc.debug-map': name,
  'plc.debug-map-load': name.extend({ path: z.string().min(1), requester: Requester }),
  'plc.live-read': name.extend({ paths: z.array(z.string().min(1)).max(MAX_LIVE_PATHS).optional() }),
  'plc.live-set': name.extend({ path: z.string().min(1), force: z.boolean(), value: LiveValue.optional(), requester: Requester }),
  /** A netmon event routed by the bus (the orchestrator's interface cache and re-attachment follow it). */
  'netmon.event': NetmonEvent,
  /** The built-in monitor's hint that an interface's addresses are changing; its `network_change` follows the debounce. */
  'netmon.settling': z.object({ interface: z.string().min(1) }),
  /**
   * A cloud command the link validated, as one request from the cloudlink worker; the answer is the ack body. Only the
   * envelope is checked here: the link's parsed output (aliases merged, `ip_prefix` split off) is not valid input for
   * the topic's contract again.
   */
  /** One debug message of docs/protocol.md §4.11 on a keyed session (docs/debug.md); the answer is a DebugReply. */
  'debug.message': DebugMessageInput,
  /** Closes a debug session (its runtime connection); the answer is null. */
  'debug.close': z.object({ session: z.string().min(1) }),
  /** Whether a cloud `device_id` names one of this agent's vPLCs; the answer is a boolean. */
  'debug.has-device': z.object({ device_id: z.string().min(1) }),
  'cloud.execute': z.object({ topic: z.enum(REQUEST_TOPICS as [RequestTopic, ...RequestTopic[]]), request: z.record(z.string(), z.unknown()) }),
} as const;
export type OrchestratorOp = keyof typeof OrchestratorOps;
export type OrchestratorOpInput<O extends OrchestratorOp> = z.input<(typeof OrchestratorOps)[O]>;

/** What one Docker engine outage did to the vPLCs (docs/lifecycle.md "Engine outages"), for the journal. */
export const OutageReport = z.object({
  startedAt: z.string(),
  endedAt: z.string(),
  reason: z.string(),
  /** vPLCs that should run and were found stopped when the engine returned. */
  stopped: z.array(z.string()),
  /** Each one started again, with its downtime counted from the start of the outage. */
  recovered: z.array(z.object({ name: z.string(), downMs: z.number().nonnegative() })),
  /** Stopped ones the recovery did not start (restarts suspended, dependencies, errors). */
  notRecovered: z.array(z.string()),
  /** Running vPLCs the engine kept through the outage (live-restore). */
  keptRunning: z.number().int().nonnegative(),
});
export type OutageReport = z.output<typeof OutageReport>;

/** Events the orchestrator worker emits. */
export const OrchestratorEvents = {
  'engine.outage': OutageReport,
  'vplc.changed': VplcChange,
  'metrics.sample': HostSample,
  'images.progress': ImageLoadProgress,
  'images.pull-progress': ImagePullProgress,
  /** Each compile state change of a program upload (docs/plc.md "Program upload"). */
  'plc.compile': CompileProgress,
  /** A serial adapter plugged or unplugged (docs/serial.md "Hot-plug"). */
  'serial.changed': SerialChange,
  /** The ports of one vPLC after any of them changed state (docs/serial.md "Port status"). */
  'serial.ports': SerialPortsChange,
} as const;

export const OrchestratorWorkerConfig = z.object({
  settings: z.record(z.string(), z.unknown()),
  sampleUsage: z.boolean().default(true),
  /** Local setting "Allow the cloud to remove this orchestrator" (docs/protocol.md §4.3 EXTEND). */
  allowRemoteRemoval: z.boolean().default(true),
});
