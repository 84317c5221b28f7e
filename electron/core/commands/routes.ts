import type { z } from 'zod';
import { NetmonEvent } from '../../../shared/netmon/events.js';
import type { CloudlinkOps, NetmonOps } from '../../lib/protocol/agent-ops.js';
import { LinkStateEvent } from '../../lib/protocol/agent-ops.js';
import type { WorkerName } from '../../lib/protocol/messages.js';
import type { OrchestratorOps } from '../../lib/protocol/orchestrator-ops.js';
import { OrchestratorEvents } from '../../lib/protocol/orchestrator-ops.js';

/**
 * THE routing table of the worker bus (docs/architecture.md "The worker bus"): where each worker event goes and which
 * worker-to-worker requests are allowed. Nothing else in the agent decides where a worker's message goes.
 */

type OpsOf = { netmon: typeof NetmonOps; orchestrator: typeof OrchestratorOps; cloudlink: typeof CloudlinkOps };
/** A worker and one of its ops, checked against that worker's op list. */
export type WorkerOp = { [W in WorkerName]: { to: W; op: keyof OpsOf[W] & string } }[WorkerName];

/** What the core itself consumes, each parsed on arrival with its schema (the core is the receiver here). */
export const CORE_EVENTS = {
  'link-state': LinkStateEvent,
  netmon: NetmonEvent,
  'vplc-changed': OrchestratorEvents['vplc.changed'],
  'engine-outage': OrchestratorEvents['engine.outage'],
  'host-sample': OrchestratorEvents['metrics.sample'],
  'image-progress': OrchestratorEvents['images.progress'],
  'image-pull-progress': OrchestratorEvents['images.pull-progress'],
  'plc-compile': OrchestratorEvents['plc.compile'],
  'serial-changed': OrchestratorEvents['serial.changed'],
  'serial-ports': OrchestratorEvents['serial.ports'],
} as const;
export type CoreEvent = keyof typeof CORE_EVENTS;
export type CoreSinks = { [K in CoreEvent]: (payload: z.output<(typeof CORE_EVENTS)[K]>) => void };

/** An event becomes a request to a worker (payload as is; the receiving handler parses it) or goes to a core sink. */
export type EventRoute = (WorkerOp & { timeoutMs: number; quiet?: boolean }) | { core: CoreEvent };
export type RequestRoute = WorkerOp & { observe?: 'cloud-command' };

type Key = `${WorkerName}/${string}`;

export const EVENT_ROUTES: Readonly<Record<Key, readonly EventRoute[]>> = {
  'netmon/netmon.event': [{ to: 'orchestrator', op: 'netmon.event', timeoutMs: 10_000 }, { core: 'netmon' }],
  // Only a head start for a re-attachment (its MAC helpers): one that is lost costs time, never correctness.
  'netmon/netmon.settling': [{ to: 'orchestrator', op: 'netmon.settling', timeoutMs: 2_000, quiet: true }],
  // Every 5 s; a link that is restarting misses a few, and that is not worth a warning each time.
  'orchestrator/metrics.sample': [{ to: 'cloudlink', op: 'metrics.sample', timeoutMs: 2_000, quiet: true }, { core: 'host-sample' }],
  'orchestrator/cloud.remove-self': [{ to: 'cloudlink', op: 'link.retire', timeoutMs: 10_000 }],
  'orchestrator/vplc.changed': [{ core: 'vplc-changed' }],
  'orchestrator/engine.outage': [{ core: 'engine-outage' }],
  'orchestrator/images.progress': [{ core: 'image-progress' }],
  'orchestrator/images.pull-progress': [{ core: 'image-pull-progress' }],
  'orchestrator/plc.compile': [{ core: 'plc-compile' }],
  'orchestrator/serial.changed': [{ core: 'serial-changed' }],
  'orchestrator/serial.ports': [{ core: 'serial-ports' }],
  'cloudlink/link.state': [{ core: 'link-state' }],
};

/** Requests a worker may make of another; the requester names the target, and it must be this one. */
export const REQUEST_ROUTES: Readonly<Record<Key, RequestRoute>> = {
  // A cloud command is one request; its answer is the ack body. The link keeps the one-ack rule and the deadlines.
  'cloudlink/cloud.execute': { to: 'orchestrator', op: 'cloud.execute', observe: 'cloud-command' },
  // The debug bridge of WebRTC sessions (docs/debug.md): messages, session close, and the offer's device check.
  'cloudlink/debug.message': { to: 'orchestrator', op: 'debug.message' },
  'cloudlink/debug.close': { to: 'orchestrator', op: 'debug.close' },
  'cloudlink/debug.has-device': { to: 'orchestrator', op: 'debug.has-device' },
};

export function eventRoutes(worker: WorkerName, name: string): readonly EventRoute[] {
  const key: Key = `${worker}/${name}`;
  return Object.hasOwn(EVENT_ROUTES, key) ? (EVENT_ROUTES[key] ?? []) : [];
}

export function requestRoute(worker: WorkerName, op: string): RequestRoute | undefined {
  const key: Key = `${worker}/${op}`;
  return Object.hasOwn(REQUEST_ROUTES, key) ? REQUEST_ROUTES[key] : undefined;
}
