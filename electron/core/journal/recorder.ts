import type { Envelope } from '../../../shared/api/envelope.js';
import { autoStartOf, type VplcChange } from '../../../shared/domain/operations.js';
import type { SerialPortsChange, SerialPortState } from '../../../shared/domain/serial.js';
import type { OutageReport } from '../../lib/protocol/orchestrator-ops.js';
import type { Journal, JournalEntry } from './journal.js';

type Result = Pick<JournalEntry, 'result' | 'detail'>;
type Requester = JournalEntry['requestedBy'];

const API_ACTIONS: Record<string, string> = {
  'vplc:create': 'create',
  'vplc:delete': 'delete',
  'vplc:start': 'start',
  'vplc:stop': 'stop',
  'vplc:restart': 'restart',
  'vplc:apply': 'apply',
  'vplc:edit': 'edit',
  'plc:start': 'plc-start',
  'plc:stop': 'plc-stop',
  'plc:upload': 'plc-upload',
  'plc:set-credentials': 'plc-credentials',
  'plc:clear-credentials': 'plc-credentials',
  'plc:create-user': 'plc-create-user',
  'plc:live-set': 'plc-force',
  'plc:debug-map-load': 'plc-map-load',
};
const CLOUD_ACTIONS: Record<string, string> = { create_new_runtime: 'create', delete_device: 'delete', start_device: 'start', stop_device: 'stop', restart_device: 'restart', apply_pending_changes: 'apply' };

/** What an ack or control answer says: error, accepted (work goes on in the background) or done. */
function fromAnswer(v: unknown): Result {
  const a = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  if (a['status'] === 'error') return { result: 'error', ...(typeof a['error'] === 'string' ? { detail: a['error'] } : {}) };
  if (a['status'] === 'creating' || a['status'] === 'deleting' || a['accepted'] === true || 'operationId' in a) return { result: 'accepted' };
  return { result: 'ok', ...(typeof a['message'] === 'string' ? { detail: a['message'] } : {}) };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * What a PLC action's answer says (docs/plc.md): written from the answer's own fields, never from the request, so no
 * credential can reach the journal.
 */
function fromPlcAnswer(channel: string, v: unknown): Result {
  const a = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  switch (channel) {
    case 'plc:start':
    case 'plc:stop':
      return { result: a['ok'] === true ? 'ok' : 'error', detail: `the runtime answered ${str(a['answer']) ?? '(nothing)'}${str(a['message']) ? `: ${str(a['message'])}` : ''}` };
    case 'plc:upload': {
      if (str(a['error'])) return { result: 'error', detail: `upload refused: ${str(a['error'])}` };
      // The answer is the compile's end: only a compile still going on is merely accepted.
      const state = str(a['state']);
      return { result: state === 'SUCCESS' ? 'ok' : state === 'FAILED' ? 'error' : 'accepted', detail: `program uploaded; compile ${state ?? 'started'}` };
    }
    case 'plc:live-set': {
      const path = str(a['path']) ?? '(unknown variable)';
      return { result: 'ok', detail: a['forced'] === true ? `${path} forced to ${shownValue(a['value'])}` : `${path} released` };
    }
    case 'plc:debug-map-load': {
      const map = (a['map'] && typeof a['map'] === 'object' ? a['map'] : {}) as Record<string, unknown>;
      const leaves = Array.isArray(map['leaves']) ? map['leaves'].length : 0;
      return { result: 'ok', detail: `variable map loaded from ${str(map['source_name']) ?? '(unknown)'}: ${String(leaves)} variable(s), md5 ${str(map['md5']) ?? '(unknown)'}` };
    }
    case 'plc:clear-credentials':
      return { result: 'ok', detail: 'runtime credentials removed' };
    case 'plc:create-user':
      return { result: 'ok', detail: `runtime's first user created (${str(a['outcome']) ?? 'unverified'})` };
    default:
      return { result: 'ok', detail: `runtime credentials stored (${str(a['outcome']) ?? 'unverified'})` };
  }
}

/** A live value as the answer gives it (number, boolean, string or bigint text). */
function shownValue(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '(unknown value)';
}

/** An error text with the request's password (if any) masked: the last guard before the journal file. */
function masked(text: string, input: unknown): string {
  const pw = (input as { password?: unknown } | null)?.password;
  return typeof pw === 'string' && pw.length > 0 ? text.split(pw).join('***') : text;
}

/**
 * The journal's sources: the local API (UI, CLI), cloud commands, and the agent's own actions.
 *
 * INVARIANTS
 * - The outcome of an accepted create or delete (it finishes in the background) is recorded under whoever asked for
 *   it; only outcomes nobody asked for in this run (an interrupted create resumed at start, a reconcile) are the agent's.
 */
export class JournalRecorder {
  /** `<action>\0<vplc>` → who asked, for creates and deletes accepted and not finished yet. */
  private readonly awaiting = new Map<string, Requester>();
  /** vPLC → port → its last journalled status, so only changes are written. */
  private readonly portStatus = new Map<string, Map<string, string>>();

  constructor(private readonly journal: Journal) {}

  /** A local API call that changes a vPLC; `by` tells this PC's UI (desktop window, browser tab) from the CLI. */
  api(channel: string, input: unknown, envelope: Envelope<unknown>, by: 'ui' | 'cli' = 'ui'): void {
    const action = API_ACTIONS[channel];
    const vplc = (input as { name?: unknown } | null)?.name;
    if (!action || typeof vplc !== 'string') return;
    if (!envelope.ok) return this.record(vplc, action, by, { result: 'error', detail: masked(envelope.error.message, input) });
    this.record(vplc, action, by, channel.startsWith('plc:') ? fromPlcAnswer(channel, envelope.value) : fromAnswer(envelope.value));
  }

  cloud(topic: string, request: Record<string, unknown>, ack: Record<string, unknown>): void {
    const action = CLOUD_ACTIONS[topic];
    const vplc = request['container_name'] ?? request['device_id'];
    if (!action || typeof vplc !== 'string') return;
    this.record(vplc, action, 'cloud', fromAnswer(ack));
  }

  private record(vplc: string, action: string, requestedBy: Requester, r: Result): void {
    if (r.result === 'accepted' && (action === 'create' || action === 'delete')) this.awaiting.set(`${action}\0${vplc}`, requestedBy);
    void this.journal.append({ vplc, action, requestedBy, ...r });
  }

  /** One entry per Docker engine outage: how long, how many vPLCs it stopped, how long until each ran again. */
  engineOutage(r: OutageReport): void {
    void this.journal.append({ vplc: ENGINE_JOURNAL_NAME, action: 'engine-outage', requestedBy: 'agent', result: r.notRecovered.length ? 'error' : 'ok', detail: describeOutage(r) });
  }

  /**
   * One entry per serial port whose status changed (docs/serial.md "Port status"). The first states after an agent
   * start are entries too: they are what the agent found.
   */
  serialPorts(c: SerialPortsChange): void {
    const seen = this.portStatus.get(c.vplc) ?? new Map<string, string>();
    this.portStatus.set(c.vplc, seen);
    for (const p of c.ports) {
      const key = `${p.status}\0${p.reason ?? ''}\0${p.current_host_path ?? ''}\0${String(p.minor)}`;
      if (seen.get(p.name) === key) continue;
      seen.set(p.name, key);
      void this.journal.append({ vplc: c.vplc, action: 'serial-port', requestedBy: 'agent', result: p.status === 'error' ? 'error' : 'ok', detail: describePort(p) });
    }
    for (const name of [...seen.keys()]) if (!c.ports.some((p) => p.name === name)) seen.delete(name);
    if (c.ports.length === 0) this.portStatus.delete(c.vplc);
  }

  /** vPLC events of the orchestrator; only those that are changes made by the agent, or outcomes of earlier requests. */
  event(e: VplcChange): void {
    const entry = outcomeEntry(e);
    if (!entry) return;
    const key = `${entry.action}\0${e.name}`;
    const requestedBy = e.reason === 'plc-force' ? 'cloud' : OUTCOMES.has(e.reason ?? e.kind) ? (this.awaiting.get(key) ?? 'agent') : 'agent';
    if (OUTCOMES.has(e.reason ?? e.kind)) this.awaiting.delete(key);
    void this.journal.append({ vplc: e.name, requestedBy, ...entry });
  }
}

/** A port's state in words: `port 'rs485' (/dev/ttyS1) connected to /dev/ttyUSB0 (188:0)`. */
export function describePort(p: SerialPortState): string {
  const subject = `port '${p.name}' (${p.container_path})`;
  if (p.status === 'connected') return `${subject} connected to ${p.current_host_path ?? p.device_id} (${String(p.major)}:${String(p.minor)})`;
  return `${subject} ${p.status}: ${p.reason ?? 'no reason given'}`;
}

/** The journal's subject for engine-wide entries; not a valid vPLC name, so it never collides with one. */
export const ENGINE_JOURNAL_NAME = '(docker engine)';

export function describeOutage(r: OutageReport): string {
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const parts = [`Docker engine unavailable for ${secs(Date.parse(r.endedAt) - Date.parse(r.startedAt))} (${r.reason})`];
  if (r.stopped.length === 0) parts.push(r.keptRunning ? `no vPLC stopped, ${r.keptRunning} kept running` : 'no vPLC stopped');
  else parts.push(`${r.stopped.length} vPLC(s) stopped by it`);
  if (r.recovered.length) parts.push(`running again: ${r.recovered.map((v) => `${v.name} after ${secs(v.downMs)}`).join(', ')}`);
  if (r.notRecovered.length) parts.push(`not started: ${r.notRecovered.join(', ')}`);
  return parts.join('; ');
}

/** Events that end a create or delete someone may have asked for. */
const OUTCOMES: ReadonlySet<string> = new Set(['created', 'create-failed', 'delete-failed', 'removed']);

function outcomeEntry(e: VplcChange): (Result & { action: string }) | null {
  if (e.kind === 'removed') return { action: 'delete', result: 'ok', detail: 'removed' };
  if (e.kind === 'restart-suspended') return { action: 'auto-restart', result: 'error', detail: 'automatic restarts paused after repeated crashes' };
  const r = e.reason;
  const auto = autoStartOf(r);
  if (auto) return { action: 'start', result: 'ok', detail: `started automatically (${auto})` };
  if (r === 'created') return e.detail ? { action: 'create', result: 'error', detail: `created with a problem: ${e.detail}` } : { action: 'create', result: 'ok', detail: 'created and the runtime answers' };
  if (r === 'create-failed') return { action: 'create', result: 'error', detail: e.detail ? `creation failed: ${e.detail}` : 'creation failed (see the vPLC status)' };
  if (r === 'delete-failed') return { action: 'delete', result: 'error', detail: e.detail ? `deletion failed: ${e.detail}` : 'deletion failed (see the vPLC status)' };
  if (r === 'vnic-reattached') return { action: 'reattach', result: 'ok', detail: 're-attached after a host network change' };
  if (r === 'vnic-failed') return { action: 'reattach', result: 'error', detail: 're-attachment after a host network change failed' };
  if (r === 'update-pending') return { action: 'update', result: 'accepted', detail: 'runtime update pulled; waits for the change window' };
  if (r === 'update-applied') return { action: 'update', result: 'ok', detail: 'runtime update applied' };
  // A PLC event without a detail only asks the UI to refresh (e.g. after a credentials action, journalled as such).
  if (r === 'plc-state') return e.detail ? { action: 'plc-state', result: /^(PLC fault:|runtime refused)/.test(e.detail) ? 'error' : 'ok', detail: e.detail } : null;
  // Only the debug bridge emits it, for a cloud debug_set (docs/debug.md "Forcing"); local forces are API entries.
  if (r === 'plc-force') return { action: 'plc-force', result: 'ok', detail: e.detail ?? 'a variable was forced or released' };
  if (r === 'plc-forces-cleared') return { action: 'plc-force', result: 'ok', detail: e.detail ?? 'forced variables released by the runtime restart' };
  if (r === 'plc-fault-restart') return { action: 'auto-restart', result: 'error', detail: e.detail ?? 'restarted after a long PLC fault' };
  if (r === 'dedicated-nic' || r === 'dedicated-nic-failed') return { action: 'dedicated-nic', result: r === 'dedicated-nic' ? 'ok' : 'error', detail: e.detail ?? 'dedicated NIC changed' };
  if (r === 'update-rolled-back') return { action: 'update', result: 'error', detail: 'runtime update failed its health check; rolled back' };
  return null;
}
