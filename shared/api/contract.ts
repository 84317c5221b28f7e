import { z } from 'zod';
import { DedicatedNicState, VnicModeView } from '../domain/host-nic.js';
import { HostInterfaceView } from '../domain/host.js';
import { HostSample } from '../domain/host-sample.js';
import { CloudState, LinkStateReport } from '../domain/link.js';
import { VplcChange } from '../domain/operations.js';
import { Settings } from '../domain/settings.js';
import { VplcHealth, VplcStatus } from '../domain/vplc-status.js';
import { VplcName, VplcSpec } from '../domain/vplc.js';
import { NetworkChangeData } from '../netmon/events.js';
import { SerialChange, SerialInventory, SerialPortsChange, SerialPortState } from '../domain/serial.js';
import { ImageLoadProgress, ImageLoadResult, RuntimeImage } from '../domain/runtime-images.js';
import { ImagePullProgress, ImagePullResult, PullVersion } from '../domain/image-pull.js';
import { CompileProgress, CredentialsResult, PlcActionResult, PlcConnection, PlcHistoryPoint, PlcLogLevel, PlcLogLine, PlcStatusWord, RuntimeCredentialsInput } from '../domain/plc.js';
import { DebugMapView, LiveRead, LiveSetResult, LiveValue, MAX_LIVE_PATHS } from '../debug/live.js';

export { HostInterfaceView, VplcStatus };

/**
 * The one typed API contract (docs/architecture.md decision 3): invoke channels with input and output schemas, and events with
 * payload schemas. A new channel is one entry here plus one handler; nothing else lists channel names.
 */

const empty = z.object({}).strict();
const byName = z.object({ name: VplcName }).strict();
/** Destructive actions from the UI carry an explicit confirmation. */
const confirmed = z.object({ name: VplcName, confirm: z.literal(true) }).strict();

export const WorkerStateView = z.object({ name: z.string(), state: z.string(), detail: z.record(z.string(), z.unknown()).optional() });

export const AgentStatus = z.object({
  installationId: z.string(),
  mode: z.enum(['own', 'service']),
  cloud: CloudState,
  workers: z.array(WorkerStateView),
  warnings: z.array(z.string()),
});

/** One isolate of the agent (diagnostics): its OS thread id (the main thread's is the pid) and its V8 heap, in bytes. */
/** The agent's main thread and its workers (the same names as the worker protocol's). */
export const ThreadName = z.enum(['main', 'netmon', 'orchestrator', 'cloudlink']);
export const ThreadView = z.object({ name: ThreadName, tid: z.number().int(), heapUsed: z.number(), heapTotal: z.number() });

export const VplcSummary = z.object({
  name: z.string(),
  state: z.string(),
  running: z.boolean(),
  desired_state: z.string().nullable(),
  operation: z.string().nullable(),
  internal_ip: z.string().nullable(),
  /** The crash-loop guard holds automatic restarts of this stopped vPLC until `restarts_resume_at` (ISO). */
  restart_suspended: z.boolean().default(false),
  restarts_resume_at: z.string().nullable().default(null),
  /** What the agent says the vPLC is (derived from verified facts) and why it is not `running`. */
  health: VplcHealth.optional(),
  reasons: z.array(z.string()).default([]),
  /** The PLC's own status word (docs/plc.md), null without credentials or before the first answer. */
  plc_status: PlcStatusWord.nullable().default(null),
  plc_connection: PlcConnection.default('not_connected'),
  /** Each configured serial port with its device and live status (the dashboard's "used by"); empty without ports. */
  serial_ports: z.array(SerialPortState.pick({ name: true, device_id: true, container_path: true, status: true, current_host_path: true })).default([]),
  /** The host NIC given to this vPLC and where it is (docs/host-nics.md); null without one. */
  dedicated_nic: DedicatedNicState.nullable().default(null),
  /** How each vNIC reaches the LAN; empty for an older agent. */
  vnic_modes: z.array(VnicModeView).default([]),
});

/** Docker's live-restore (off: every engine restart stops the vPLCs), its exact fix, and whether the agent may apply it. */
export const LiveRestoreView = z.object({ enabled: z.boolean(), file: z.string(), writable: z.boolean(), fix: z.string() });
export const LiveRestoreChange = z.object({ changed: z.boolean(), file: z.string(), next: z.string() });

export const ControlOutcome = z.union([
  z.object({ status: z.literal('success'), device_id: z.string(), container_status: z.string(), message: z.string() }),
  /** Started, but the runtime API did not answer within the command's budget; the status shows the wait until it does. */
  z.object({ status: z.literal('starting'), device_id: z.string(), container_status: z.string(), message: z.string() }),
  z.object({ status: z.literal('error'), device_id: z.string(), error: z.string() }),
]);

export const LogLineView = z.object({
  ts: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  scope: z.string(),
  msg: z.string(),
  data: z.unknown().optional(),
});

export const UsagePoint = z.object({ timestamp: z.number(), cpu: z.number().optional(), memory: z.number().optional() });

/** The last reconcile cycle: what it repaired, what waits for a change window, what it adopted. */
export const ReconcileView = z.object({
  state: z.enum(['idle', 'processing']),
  cycles: z.number(),
  lastRun: z
    .object({
      startedAt: z.string(),
      finishedAt: z.string(),
      outcome: z.enum(['in-sync', 'repaired', 'failed', 'timeout']),
      actions: z.array(z.object({ vplc: z.string(), kind: z.string(), reason: z.string(), result: z.enum(['done', 'skipped', 'failed']), detail: z.string().optional() })),
      pending: z.array(z.object({ vplc: z.string(), reason: z.string() })),
      adopted: z.array(z.string()),
    })
    .nullable(),
});

/** An imperative command of the work queue and what became of it. */
export const WorkItemView = z.object({
  id: z.string(),
  vplc: z.string(),
  command: z.enum(['start', 'stop', 'restart', 'cleanup']),
  state: z.enum(['queued', 'running', 'done']),
  submittedAt: z.string(),
  finishedAt: z.string().optional(),
  result: z.enum(['ok', 'error']).optional(),
  message: z.string().optional(),
});

/** One entry of the change journal: who asked for what on which vPLC, and what came of it. */
export const JournalEntryView = z.object({
  ts: z.string(),
  vplc: z.string(),
  action: z.string(),
  requestedBy: z.enum(['cloud', 'ui', 'cli', 'agent']),
  result: z.enum(['ok', 'accepted', 'error']),
  detail: z.string().optional(),
});

export const CertView = z.object({
  agentId: z.string(),
  subject: z.string(),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  fingerprint256: z.string(),
  expiry: z.object({ level: z.enum(['ok', 'days30', 'days7', 'days1', 'expired']), daysLeft: z.number(), message: z.string().nullable() }),
});
export const EnrollView = z.object({ id: z.string(), expiresAt: z.string().nullable(), certificate: CertView.omit({ expiry: true }) });

/**
 * A section of the settings where every field is optional and has NO default: zod fills the defaults of a `.partial()`
 * object, so a patch of one field would otherwise carry every other field's default and overwrite the file's values.
 */
function patchOf<T extends z.ZodRawShape>(section: z.ZodObject<T>) {
  const noDefault = (field: z.ZodType): z.ZodType => (field instanceof z.ZodDefault || field instanceof z.ZodPrefault ? noDefault(field.unwrap() as z.ZodType) : field);
  const shape = Object.fromEntries(Object.entries(section.shape).map(([key, field]) => [key, noDefault(field as z.ZodType).optional()]));
  return z.object(shape as { [K in keyof T]: z.ZodOptional<z.ZodType<z.output<T[K]>, z.input<T[K]>>> }).strict();
}

/** What the UI may change; everything else in the file is kept. Most changes take effect at the next agent start. */
export const SettingsPatch = z
  .object({
    cloud: patchOf(Settings.shape.cloud.unwrap()).optional(),
    agent: patchOf(Settings.shape.agent.unwrap()).optional(),
    orchestrator: patchOf(Settings.shape.orchestrator.unwrap()).optional(),
    desktop: patchOf(Settings.shape.desktop.unwrap()).optional(),
  })
  .strict();

/**
 * One setting as the agent runs with it, and where the value came from (docs/settings.md): a flag or a `VPLC_*`
 * variable wins over the settings file, which wins over the default. `via` names the flag or variable.
 */
export const SettingSource = z.enum(['default', 'file', 'env', 'flag']);
export const EffectiveSettingView = z.object({
  key: z.string(),
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  source: SettingSource,
  via: z.string().optional(),
});

/** The answer to `vplc:edit`: the stored change as readable lines, and when and how it takes effect. */
export const VplcEditResult = z.object({
  diff: z.array(z.string()),
  applies: z.enum(['now', 'change-window', 'unchanged']),
  path: z.enum(['same-container', 'recreate', 'none']),
  message: z.string(),
});

/** The stored desired spec of a vPLC (MACs filled in with the ones in use), what an edit form starts from. */
export const VplcSpecView = z.object({ spec: VplcSpec, pending: z.array(z.string()) });

/** One vNIC of a vPLC as the Networks page lists it: attached, detached (with why) or its container missing. */
export const VnicView = z.object({
  vplc: z.string(),
  vnic: z.string(),
  parent: z.string(),
  mode: z.enum(['dhcp', 'static']),
  mac: z.string(),
  ip: z.string().optional(),
  network: z.string().optional(),
  state: z.enum(['attached', 'detached', 'missing']),
  reason: z.string().optional(),
  /** A static vNIC left off its network: the fix is an edit of its address. */
  editable: z.boolean(),
});
export type VnicView = z.infer<typeof VnicView>;

export const invoke = {
  'agent:status': { input: empty, output: AgentStatus },
  'agent:start': { input: empty, output: z.null() },
  /**
   * Diagnostics: main and each running worker (one that does not answer within 2 s is left out). Wakes every worker: not
   * for polling. Workers that run in-process share main's thread and isolate, so they give its thread id and heap.
   */
  'agent:threads': { input: empty, output: z.array(ThreadView) },
  /** Stops the agent's workers; vPLCs keep running. */
  'agent:stop': { input: z.object({ confirm: z.literal(true) }).strict(), output: z.null() },
  /** The file's values (what Save edits) and the effective ones the agent started with, each with its source. */
  'settings:get': { input: empty, output: z.object({ settings: Settings, writable: z.boolean(), warnings: z.array(z.string()), effective: z.array(EffectiveSettingView) }) },
  /**
   * Writes the file only. `afterRestart`: changed keys the agent reads at start; `overridden`: keys a flag or variable
   * overrides, so the saved value is used only once that flag or variable is gone.
   */
  'settings:set': { input: SettingsPatch, output: z.object({ settings: Settings, restartNeeded: z.boolean(), afterRestart: z.array(z.string()), overridden: z.array(z.string()) }) },
  /** The current client certificate (never the key), or null when not enrolled. */
  'certs:info': { input: empty, output: CertView.nullable() },
  /**
   * `replace: true` confirms replacing a working identity; without it the agent refuses (CONFLICT) when one exists.
   * `caFile`: a PEM bundle on this PC the provisioning server's certificate chains to (a private CA); checked before
   * anything is sent, used for this enrolment and saved as the settings file's cloud.caFile once it worked.
   */
  'certs:enroll': {
    input: z.object({ provisionUrl: z.string().url().optional(), replace: z.boolean().optional(), caFile: z.string().min(1, 'give the full path of the CA file').optional() }).strict(),
    output: EnrollView.extend({ caFile: z.object({ saved: z.boolean(), message: z.string() }).optional() }),
  },
  /** Files on this PC, read by the agent: the key never crosses the API. `replace` as for certs:enroll. */
  'certs:import': { input: z.object({ keyFile: z.string().min(1), certFile: z.string().min(1), replace: z.boolean().optional() }).strict(), output: EnrollView },
  'vplc:list': { input: empty, output: z.array(VplcSummary) },
  'vplc:create': { input: VplcSpec, output: z.object({ operationId: z.string() }) },
  'vplc:delete': { input: confirmed, output: z.object({ accepted: z.literal(true) }) },
  'vplc:start': { input: byName, output: ControlOutcome },
  'vplc:stop': { input: confirmed, output: ControlOutcome },
  'vplc:restart': { input: confirmed, output: ControlOutcome },
  'vplc:status': { input: byName, output: VplcStatus },
  /** Confirms a vPLC's pending changes (its change window): the agent applies them now, even while it runs. */
  'vplc:apply': { input: confirmed, output: z.object({ message: z.string() }) },
  /** Replaces a vPLC's spec (same name); applied now when that disturbs nothing running, else in its change window. */
  'vplc:edit': { input: z.object({ name: VplcName, spec: VplcSpec }).strict(), output: VplcEditResult },
  'vplc:spec': { input: byName, output: VplcSpecView },
  'network:vnics': { input: empty, output: z.array(VnicView) },
  /** The host's serial devices (with a by-id link, sorted by it) and built-in UARTs without one (docs/serial.md). */
  'serial:devices': { input: empty, output: SerialInventory },
  'reconcile:status': { input: empty, output: ReconcileView },
  'engine:live-restore': { input: empty, output: LiveRestoreView },
  /** Writes "live-restore": true into Docker's configuration file; reloading the engine stays the user's choice. */
  'engine:enable-live-restore': { input: z.object({ confirm: z.literal(true) }).strict(), output: LiveRestoreChange },
  'vplc:logs': { input: z.object({ name: VplcName, tail: z.number().int().positive().max(5_000).default(200) }).strict(), output: z.array(z.string()) },
  'netmon:interfaces': { input: empty, output: z.array(HostInterfaceView) },
  /**
   * The PLC inside a vPLC (docs/plc.md). Credentials belong to the user: stored 0600, never logged, never sent on; the
   * runtime is asked to accept them before they are stored (stored unverified when it does not answer).
   */
  'plc:set-credentials': { input: RuntimeCredentialsInput.extend({ name: VplcName }).strict(), output: CredentialsResult },
  'plc:clear-credentials': { input: confirmed, output: z.null() },
  /** Creates the runtime's first user (the runtime allows it only while it has none) and stores it as the credentials. */
  'plc:create-user': { input: RuntimeCredentialsInput.extend({ name: VplcName }).strict(), output: CredentialsResult },
  /** Starts or stops the PLC program (not the container); journaled. */
  'plc:start': { input: confirmed, output: PlcActionResult },
  'plc:stop': { input: confirmed, output: PlcActionResult },
  /** Uploads a program bundle (.zip from the editor) from a file on this PC and waits for its compile; progress as `plc:compile`. */
  'plc:upload': { input: z.object({ name: VplcName, path: z.string().min(1, 'give the path of the program bundle (.zip)'), confirm: z.literal(true) }).strict(), output: CompileProgress },
  'plc:compile-status': { input: byName, output: CompileProgress },
  /** The runtime's own log, newest last; `since_id` continues a tail. */
  'plc:logs': {
    input: z.object({ name: VplcName, since_id: z.number().int().nonnegative().optional(), level: PlcLogLevel.optional(), limit: z.number().int().positive().max(2_000).default(200) }).strict(),
    output: z.array(PlcLogLine),
  },
  /** Scan-cycle history over the same windows as CPU and memory. */
  'plc:history': { input: z.object({ name: VplcName, seconds: z.number().int().positive().max(172_800) }).strict(), output: z.array(PlcHistoryPoint) },
  /** The vPLC's variable map (docs/debug.md "Live variables"): where it came from, its variables, and whether it is the loaded program's. */
  'plc:debug-map': { input: byName, output: DebugMapView },
  /** Stores the map from a file on this PC (debug-map.json, or a program bundle holding one) as the vPLC's map. */
  'plc:debug-map-load': { input: z.object({ name: VplcName, path: z.string().min(1, 'give the path of debug-map.json or of the program bundle (.zip)') }).strict(), output: DebugMapView },
  /** One read of the variables (all of the map's without `paths`); the UI reads only while the view is open. */
  'plc:live-read': { input: z.object({ name: VplcName, paths: z.array(z.string().min(1)).max(MAX_LIVE_PATHS).optional() }).strict(), output: LiveRead },
  /** Forces a variable to `value` (`force: true`) or releases it; the value is checked against the variable's type. */
  'plc:live-set': {
    input: z
      .object({ name: VplcName, path: z.string().min(1), force: z.boolean(), value: LiveValue.optional(), confirm: z.literal(true) })
      .strict()
      .refine((i) => !i.force || i.value !== undefined, { message: 'give the value to force', path: ['value'] }),
    output: LiveSetResult,
  },
  'metrics:history': {
    input: z.object({ target: z.union([z.literal('host'), VplcName]), seconds: z.number().int().positive().max(172_800) }).strict(),
    output: z.object({ cpu: z.array(UsagePoint), memory: z.array(UsagePoint) }),
  },
  /** Host network changes and the vPLC re-attachments and DHCP events they caused, newest first, since the agent started. */
  'network:timeline': {
    input: z.object({ limit: z.number().int().positive().max(500).default(200) }).strict(),
    output: z.array(z.object({ ts: z.number(), kind: z.enum(['interface', 'vplc']), subject: z.string(), detail: z.string() })),
  },
  /**
   * Imperative commands with an idempotency id: the same id again returns the recorded result instead of running the
   * command twice. stop, restart and cleanup (remove the vPLC and all its records, even without a container) need
   * confirm.
   */
  'work:submit': {
    input: z
      .object({
        id: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'Use 1-100 letters, digits, _ . : -'),
        name: VplcName,
        command: WorkItemView.shape.command,
        confirm: z.literal(true).optional(),
      })
      .strict()
      .refine((w) => w.command === 'start' || w.confirm === true, { message: 'stop, restart and cleanup need confirm: true', path: ['confirm'] }),
    output: WorkItemView,
  },
  'work:list': { input: z.object({ limit: z.number().int().positive().max(500).default(50) }).strict(), output: z.array(WorkItemView) },
  /** The change journal, newest first, optionally for one vPLC. */
  'journal:list': {
    input: z.object({ limit: z.number().int().positive().max(2_000).default(200), name: VplcName.optional() }).strict(),
    output: z.array(JournalEntryView),
  },
  /** Local images of the runtime repository (repository, tag, id, size, created) and the vPLCs using each. */
  'images:list': { input: empty, output: z.array(RuntimeImage) },
  /**
   * Loads the runtime images of a `docker save` archive (.tar or .tar.gz) from a file on this PC, read by the agent;
   * progress comes as `images:progress`. Archives with images outside the runtime repository are refused unloaded.
   */
  'images:load': { input: z.object({ path: z.string().min(1, 'give the path of the archive') }).strict(), output: ImageLoadResult },
  /**
   * Pulls `<runtime repository>:<version>` from its registry; progress comes as `images:pull-progress`. A failure says
   * why and how to get the image offline.
   */
  'images:pull': { input: z.object({ version: PullVersion }).strict(), output: ImagePullResult },
  'logs:tail': {
    input: z.object({ limit: z.number().int().positive().max(5_000).default(500), level: LogLineView.shape.level.default('debug') }).strict(),
    output: z.array(LogLineView),
  },
} as const;

export const events = {
  /**
   * Enrolment progress, each step as it starts: `key` once the id is known (so linking can start), `submit` when the
   * request goes to the cloud for signing, `enrolled` when the pair is stored.
   */
  'certs:progress': z.object({ step: z.enum(['id', 'key', 'submit', 'enrolled']), id: z.string().optional() }),
  'link:state': LinkStateReport,
  'netmon:change': NetworkChangeData,
  'vplc:changed': VplcChange,
  'logs:line': z.array(LogLineView),
  'metrics:sample': HostSample,
  'images:progress': ImageLoadProgress,
  'images:pull-progress': ImagePullProgress,
  'plc:compile': CompileProgress,
  /** A serial adapter was plugged or unplugged: the new lists and what changed. */
  'serial:changed': SerialChange,
  /** The serial ports of one vPLC after any of them changed state (plug, unplug, start, stop, node error). */
  'serial:ports': SerialPortsChange,
} as const;

export type InvokeChannel = keyof typeof invoke;
export type Input<C extends InvokeChannel> = z.output<(typeof invoke)[C]['input']>;
export type Output<C extends InvokeChannel> = z.output<(typeof invoke)[C]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;
export const isInvokeChannel = (c: string): c is InvokeChannel => Object.hasOwn(invoke, c);
export const isEventName = (e: string): e is EventName => Object.hasOwn(events, e);
