/**
 * What a `run_command` must pass before the proxy spends a connection on it: the vPLC exists (exact name, ours), it
 * runs, and neither it nor the agent as a whole already has as many calls in flight as the settings allow. Every
 * refusal is answered at once, never by waiting for a TCP timeout.
 */
import type { Engine } from '../docker/engine.js';
import { resultOf, syntheticEnvelope } from './envelope.js';
import { DEBUG_API, debugHead } from './proxy.js';
import type { RunCommandOutcome, RunCommandRequest } from './types.js';

export type RunCommandLimits = {
  /** Calls in flight to one vPLC. */
  perDevice: number;
  /** Calls in flight to all vPLCs together. */
  total: number;
};

/** Counts calls in flight per vPLC and in total; `tryEnter` never waits. */
export class ConcurrencyGate {
  private readonly perDevice = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: RunCommandLimits) {}

  /** A release function, or the reason the call is refused. */
  tryEnter(device: string): { release: () => void } | { refused: string } {
    const mine = this.perDevice.get(device) ?? 0;
    if (mine >= this.limits.perDevice) {
      return { refused: `Too many run_command calls in progress for ${device} (limit ${this.limits.perDevice}); try again later` };
    }
    if (this.total >= this.limits.total) {
      return { refused: `Too many run_command calls in progress on this orchestrator (limit ${this.limits.total}); try again later` };
    }
    this.perDevice.set(device, mine + 1);
    this.total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perDevice.get(device) ?? 1) - 1;
        if (left <= 0) this.perDevice.delete(device);
        else this.perDevice.set(device, left);
      },
    };
  }

  inFlight(device?: string): number {
    return device === undefined ? this.total : (this.perDevice.get(device) ?? 0);
  }
}

/** Docker's state of the vPLC (`running`, `exited`, `created`, `paused`, …), or null when it is not one of ours. */
export type DeviceStateLookup = (device: string) => Promise<string | null>;

/** The lookup against the engine: the exact vPLC of this installation; rejects when Docker does not answer in time. */
export function dockerStateLookup(engine: Pick<Engine, 'resolveVplc'>, instance: string, timeoutMs = 5_000): DeviceStateLookup {
  return async (name) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Docker did not answer')), timeoutMs);
    });
    try {
      const info = await Promise.race([engine.resolveVplc(name, instance), timeout]);
      return info ? info.State.Status : null;
    } finally {
      clearTimeout(timer);
    }
  };
}

export type AdmissionDeps = {
  gate: ConcurrencyGate;
  lookup: DeviceStateLookup;
  run: (req: RunCommandRequest) => Promise<RunCommandOutcome>;
};

/** "Device plc1 is stopped" for a container that exited or was never started; otherwise its Docker state. */
export function notRunningText(device: string, state: string): string {
  return state === 'exited' || state === 'created' || state === 'dead' ? `Device ${device} is stopped` : `Device ${device} is not running (${state})`;
}

/** Admits one call (or answers it at once) and runs it through the proxy. Never throws. */
export async function admitRunCommand(req: RunCommandRequest, d: AdmissionDeps): Promise<RunCommandOutcome> {
  // Malformed ids are the proxy's to answer.
  if (typeof req.device_id !== 'string') return d.run(req);
  if (req.api === DEBUG_API) return admitDebug(req, req.device_id, d);
  const device = req.device_id;
  let state: string | null | undefined;
  try {
    state = await d.lookup(device);
  } catch {
    state = undefined; // Docker did not answer: the proxy's own lookup and timeout decide.
  }
  if (state === null) return { status: 'error', error: `Device not found: ${device}` };
  if (state !== undefined && state !== 'running') return resultOf(syntheticEnvelope(503, notRunningText(device, state)));
  const entry = d.gate.tryEnter(device);
  if ('refused' in entry) return resultOf(syntheticEnvelope(429, entry.refused));
  try {
    return await d.run(req);
  } finally {
    entry.release();
  }
}

const debugError = (error: string): RunCommandOutcome => ({ status: 'success', debug_response: { type: 'debug_error', error } });

/**
 * `api:"debug"` (docs/debug.md "Cloud debug messages"): the same checks, answered as a `debug_error` in a `success`
 * ack (docs/protocol.md §4.11). A `debug_stop` only closes, so a stopped vPLC does not refuse it.
 */
async function admitDebug(req: RunCommandRequest, device: string, d: AdmissionDeps): Promise<RunCommandOutcome> {
  if (debugHead(req.data)?.type !== 'debug_stop' && device !== '') {
    let state: string | null | undefined;
    try {
      state = await d.lookup(device);
    } catch {
      state = undefined;
    }
    if (state === null) return debugError(`Device ${device} not found`);
    if (state !== undefined && state !== 'running') return debugError(notRunningText(device, state));
  }
  const entry = d.gate.tryEnter(device);
  if ('refused' in entry) return debugError(entry.refused);
  try {
    return await d.run(req);
  } finally {
    entry.release();
  }
}
