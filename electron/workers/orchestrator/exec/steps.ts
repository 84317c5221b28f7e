import type Docker from 'dockerode';

/**
 * Who asked for a Docker write: a requester of an imperative command (cloud, ui, cli), or the agent's own actor that
 * decided it (the watchdog, boot sync, the recovery after an engine outage, reconcile, re-attachment, updates,
 * self-destruct, the create and delete pipelines).
 */
export type StepActor =
  | 'cloud'
  | 'ui'
  | 'cli'
  | 'agent'
  | 'watchdog'
  | 'boot-sync'
  | 'engine-recovery'
  | 'reconcile'
  | 'reattach'
  | 'update'
  | 'self-destruct';

/** Docker answers that a step may treat as done: the object is already gone (404) or already in that state (304). */
export type Tolerance = 'not-found' | 'not-modified';

/** What every step carries: the vPLC it serves (a parent interface's network has none), who asked and why. */
type About = { vplc?: string; by: StepActor; reason: string; tolerate?: readonly Tolerance[] };

export type Step = About &
  (
    | { kind: 'create-container'; options: Docker.ContainerCreateOptions }
    | { kind: 'start'; container: string }
    | { kind: 'stop'; container: string; timeoutSec: number }
    | { kind: 'remove'; container: string }
    | { kind: 'update'; container: string; restartPolicy: 'no' }
    | { kind: 'connect'; network: string; container: string; endpoint?: Docker.EndpointSettings }
    | { kind: 'disconnect'; network: string; container: string }
    | { kind: 'create-network'; options: Docker.NetworkCreateOptions }
    | { kind: 'remove-network'; network: string }
    | { kind: 'tag-image'; image: string; repo: string; tag: string }
    | { kind: 'remove-image'; image: string }
    | { kind: 'import-image'; archive: Buffer; repo: string; tag: string; changes: readonly string[] }
    /** `docker load` of a `docker save` archive (plain or compressed) read from `archive`; `source` names it in the log. */
    | { kind: 'load-image'; archive: NodeJS.ReadableStream; source: string }
  );

export type StepKind = Step['kind'];

/** Creations answer with the new object's id, a load with the images the engine loaded; every other step with nothing. */
export type StepResult<S extends Step> = S extends { kind: 'create-container' | 'create-network' } ? string : S extends { kind: 'load-image' } ? string[] : void;

/** A short description of a step's target, for the log. */
export function stepTarget(s: Step): string {
  switch (s.kind) {
    case 'create-container':
      return s.options.name ?? '(unnamed)';
    case 'create-network':
      return s.options.Name;
    case 'connect':
    case 'disconnect':
      return `${s.container.slice(0, 12)} ↔ ${s.network}`;
    case 'remove-network':
      return s.network;
    case 'tag-image':
      return `${s.image} → ${s.repo}:${s.tag}`;
    case 'remove-image':
      return s.image;
    case 'import-image':
      return `${s.repo}:${s.tag}`;
    case 'load-image':
      return s.source;
    default:
      return s.container.slice(0, 12);
  }
}
