import { z } from 'zod';
import { BaseDevice, BaseMessage, bool, deviceId, num, opt, str, withDefault } from './base.js';
import { CreateNewRuntimeRequest } from './create-new-runtime.js';
import { REASON } from './errors.js';

/**
 * Request contracts of the cloud topics of docs/protocol.md §4.0 other than `create_new_runtime`
 * (./create-new-runtime.ts), and the topic → contract table. Extra keys are ignored everywhere.
 */

export const DEFAULT_RUN_COMMAND_PORT = 8443;
export const DEFAULT_CONSUMPTION_PERIOD = '1h';

// --- BASE_MESSAGE / BASE_DEVICE topics -----------------------------------------------------------

/** `__orchestrator__` passes validation here so it gets §4.2's "not managed" answer. */
export const DeleteDeviceRequest = BaseMessage.extend({ device_id: deviceId({ reserved: true }) });
export type DeleteDeviceRequest = z.output<typeof DeleteDeviceRequest>;

export const DeleteOrchestratorRequest = BaseMessage;
export type DeleteOrchestratorRequest = z.output<typeof DeleteOrchestratorRequest>;

/** The orchestrator's own id is a valid `device_id` here only: it is how self-destruct is polled (§4.3). */
export const GetDeviceStatusRequest = BaseMessage.extend({ device_id: deviceId({ reserved: true }) });
export type GetDeviceStatusRequest = z.output<typeof GetDeviceStatusRequest>;

export const GetSerialDevicesRequest = BaseMessage;
export type GetSerialDevicesRequest = z.output<typeof GetSerialDevicesRequest>;

/** EXTEND (§4.10). */
export const StartDeviceRequest = BaseDevice;
export type StartDeviceRequest = z.output<typeof StartDeviceRequest>;
export const StopDeviceRequest = BaseDevice;
export type StopDeviceRequest = z.output<typeof StopDeviceRequest>;
export const RestartDeviceRequest = BaseDevice;
export type RestartDeviceRequest = z.output<typeof RestartDeviceRequest>;

/** EXTEND (docs/decisions.md "Confirming a pending change from the cloud"). */
export const ApplyPendingChangesRequest = BaseDevice;
export type ApplyPendingChangesRequest = z.output<typeof ApplyPendingChangesRequest>;

// --- get_host_interfaces (§4.6) ------------------------------------------------------------------

export const GetHostInterfacesRequest = BaseMessage.extend({
  include_virtual: withDefault(bool(), false),
  detailed: withDefault(bool(), true),
});
export type GetHostInterfacesRequest = z.output<typeof GetHostInterfacesRequest>;

// --- get_consumption_device / get_consumption_orchestrator (§4.8, §4.9) --------------------------

/** IMPROVE: both periods optional, default `"1h"`. The period grammar is applied by the handler. */
const periods = {
  cpuPeriod: withDefault(str(), DEFAULT_CONSUMPTION_PERIOD),
  memoryPeriod: withDefault(str(), DEFAULT_CONSUMPTION_PERIOD),
};

export const GetConsumptionDeviceRequest = BaseDevice.extend(periods);
export type GetConsumptionDeviceRequest = z.output<typeof GetConsumptionDeviceRequest>;

export const GetConsumptionOrchestratorRequest = BaseMessage.extend(periods);
export type GetConsumptionOrchestratorRequest = z.output<typeof GetConsumptionOrchestratorRequest>;

// --- run_command (§4.4) --------------------------------------------------------------------------

/** A `files` entry: an object (these three keys, each a string or null) or a string (the content). */
export type RunCommandFile =
  | { filename?: string | null; content_base64?: string | null; content_type?: string | null }
  | string;

/** What the run_command proxy consumes; the parsed request is assignable to it. */
export interface RunCommandProxyRequest {
  device_id: string;
  method: string;
  api: string;
  port?: number | null;
  headers?: Record<string, string> | null;
  params?: Record<string, unknown> | null;
  data?: unknown;
  files?: Record<string, RunCommandFile> | null;
}

const FILE_OBJECT_KEYS = ['filename', 'content_base64', 'content_type'] as const;

/** IMPROVE: string values; numbers and booleans become strings; anything else is rejected. */
const HeaderValue = z.unknown().transform((v, ctx): string => {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  ctx.addIssue({ code: 'custom', message: REASON.string, input: v });
  return z.NEVER;
});

/** IMPROVE: an object entry or a string entry (the file content); any other shape is rejected. */
const FileEntry = z.unknown().transform((v, ctx): RunCommandFile => {
  if (typeof v === 'string') return v;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: REASON.fileEntry, input: v });
    return z.NEVER;
  }
  const entry: Record<string, unknown> = { ...v };
  const out: { filename?: string | null; content_base64?: string | null; content_type?: string | null } = {};
  for (const key of FILE_OBJECT_KEYS) {
    const value = entry[key];
    if (value === undefined) continue;
    if (value !== null && typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', message: REASON.string, input: value, path: [key] });
      return z.NEVER;
    }
    out[key] = value;
  }
  return out;
});

const Port = num().refine((n) => Number.isInteger(n) && n >= 1 && n <= 65535, { error: REASON.port, abort: true });

export const RunCommandRequest = BaseDevice.extend({
  method: str(),
  api: str(),
  port: withDefault(Port, DEFAULT_RUN_COMMAND_PORT),
  headers: opt(z.record(z.string(), HeaderValue, { error: REASON.object })),
  params: opt(z.record(z.string(), z.unknown(), { error: REASON.object })),
  data: z.unknown().optional(),
  files: opt(z.record(z.string(), FileEntry, { error: REASON.object })),
});
export type RunCommandRequest = z.output<typeof RunCommandRequest>;

// Compile-time guarantee that the parsed request fits the proxy's input type.
const _fitsProxy: (r: RunCommandRequest) => RunCommandProxyRequest = (r) => r;
void _fitsProxy;

// --- topic table (§4.0) --------------------------------------------------------------------------

export const REQUEST_CONTRACTS = {
  create_new_runtime: CreateNewRuntimeRequest,
  delete_device: DeleteDeviceRequest,
  delete_orchestrator: DeleteOrchestratorRequest,
  run_command: RunCommandRequest,
  get_device_status: GetDeviceStatusRequest,
  get_host_interfaces: GetHostInterfacesRequest,
  get_serial_devices: GetSerialDevicesRequest,
  get_consumption_device: GetConsumptionDeviceRequest,
  get_consumption_orchestrator: GetConsumptionOrchestratorRequest,
  start_device: StartDeviceRequest,
  stop_device: StopDeviceRequest,
  restart_device: RestartDeviceRequest,
  apply_pending_changes: ApplyPendingChangesRequest,
} as const;
export type RequestTopic = keyof typeof REQUEST_CONTRACTS;
export type RequestOf<T extends RequestTopic> = z.output<(typeof REQUEST_CONTRACTS)[T]>;

export const REQUEST_TOPICS = Object.keys(REQUEST_CONTRACTS) as RequestTopic[];

export function isRequestTopic(topic: string): topic is RequestTopic {
  return Object.prototype.hasOwnProperty.call(REQUEST_CONTRACTS, topic);
}

/** Topics marked "defaults" in §4.0 (the ack's `action` is always the topic name; §3.2). */
export const TOPICS_WITH_DEFAULTS: ReadonlySet<RequestTopic> = new Set<RequestTopic>([
  'create_new_runtime',
  'delete_device',
  'run_command',
  'get_device_status',
  'get_host_interfaces',
  'get_serial_devices',
  'start_device',
  'stop_device',
  'restart_device',
  'apply_pending_changes',
]);
