import type { EventPayload } from '../../../../shared/api/contract';

export type StepKey = 'id' | 'key' | 'enrolled';
/** Where an enrolment stands: nothing asked yet, a step running, a step that failed (later ones did not run), or done. */
export type Progress = { kind: 'idle' } | { kind: 'running'; at: StepKey } | { kind: 'failed'; at: StepKey } | { kind: 'done' };

export const STEPS: Array<{ key: StepKey; label: string }> = [
  { key: 'id', label: 'Ask the cloud for an agent ID' },
  { key: 'key', label: 'Generate the private key and certificate request on this PC' },
  { key: 'enrolled', label: 'Receive the signed certificate' },
];

/** The agent reports each step as it starts: the id is known once `key` starts; `submit` starts the last step. */
export function progressOf(event: EventPayload<'certs:progress'>['step']): Progress {
  if (event === 'enrolled') return { kind: 'done' };
  return { kind: 'running', at: event === 'submit' ? 'enrolled' : 'key' };
}

type RowState = 'done' | 'active' | 'failed' | 'not-run' | 'todo';

function rowState(p: Progress, i: number): RowState {
  if (p.kind === 'done') return 'done';
  if (p.kind === 'idle') return 'todo';
  const at = STEPS.findIndex((s) => s.key === p.at);
  if (i < at) return 'done';
  if (i === at) return p.kind === 'failed' ? 'failed' : 'active';
  return p.kind === 'failed' ? 'not-run' : 'todo';
}

const CLASS: Record<RowState, string> = { done: 'step-done', active: 'step-active', failed: 'step-failed', 'not-run': 'step-todo', todo: 'step-todo' };

/** Only the steps that ran are marked: the failing one ✗, the ones before it ✓, the ones after it "not run". */
export function EnrolSteps({ progress }: { progress: Progress }) {
  if (progress.kind === 'idle') return null;
  return (
    <ol className="steps" aria-label="Enrolment progress">
      {STEPS.map((s, i) => {
        const state = rowState(progress, i);
        return (
          <li key={s.key} className={CLASS[state]}>
            {s.label}
            {state === 'not-run' ? <span className="muted"> (not run)</span> : state === 'failed' ? <span className="muted"> (failed)</span> : null}
          </li>
        );
      })}
    </ol>
  );
}
