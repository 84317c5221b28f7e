import type { OperationStep, PullProgress } from '../../../../shared/domain/operations';
import { ErrorBox } from '../../components/ui';
import { useApp } from '../../store/context';
import { CREATE_STEPS } from './status';

/** `problems`: what a create that ended could not verify (the agent's `create_problems`); it then ended "with problems". */
export type CreateProgressState = { name: string; step: OperationStep | null; done: boolean; error?: string; dhcp: boolean; pull?: PullProgress; problems?: string[] };

const LEASE_PROBLEM = /^no DHCP lease on vNIC '(.+)' within (\d+) s: (.*)$/;
const isLeaseProblem = (p: string): boolean => p.startsWith('no DHCP lease');
/** "vNIC 'lan' (waited 30 s): no DHCP server answered" from the agent's problem text. */
const leaseWhy = (p: string): string => {
  const m = LEASE_PROBLEM.exec(p);
  return m ? `vNIC '${m[1]}' (waited ${m[2]} s): ${m[3]}` : p;
};

type StepMark = 'step-done' | 'step-failed' | 'step-active' | 'step-todo';

/** A step is ticked only once verified: the DHCP step when the create ended with every lease, never on reaching it. */
function markOf(p: CreateProgressState, key: string, i: number, at: number): StepMark {
  if (p.done) return key === 'starting_dhcp' && (p.problems ?? []).some(isLeaseProblem) ? 'step-failed' : 'step-done';
  if (p.error) return i === Math.max(at, 0) ? 'step-failed' : i < at ? 'step-done' : 'step-todo';
  // Past the DHCP step the leases are still awaited, within the runtime wait.
  if (i === at || (key === 'starting_dhcp' && i < at)) return 'step-active';
  return i < at ? 'step-done' : 'step-todo';
}

const mb = (n: number): string => (n / 1_000_000).toFixed(1);

/** "Pulling image: 2/3 layers, 12.4 of 30.1 MB"; the bytes only once the engine knows a size. */
export function pullText(p: PullProgress): string {
  const layers = `${p.layers_done}/${p.layers_total} layers`;
  return `Pulling image: ${p.layers_total ? layers : 'starting'}${p.bytes_total ? `, ${mb(p.bytes_done)} of ${mb(p.bytes_total)} MB` : ''}`;
}

function PullBar({ p }: { p: PullProgress }) {
  // By bytes when the engine reported sizes, else by layers (every layer may already be on this PC).
  const [value, max] = p.bytes_total ? [p.bytes_done, p.bytes_total] : [p.layers_done, Math.max(p.layers_total, 1)];
  return (
    <p>
      <label htmlFor="pull-progress">{pullText(p)}</label> <progress id="pull-progress" max={max} value={value} />
    </p>
  );
}

/** The steps of a create as the agent reports them, with the registry pull's progress while the image is pulled. */
export function CreateProgress({ p }: { p: CreateProgressState }) {
  const navigate = useApp((s) => s.navigate);
  // The DHCP step only exists for a vPLC with a DHCP vNIC.
  const steps = CREATE_STEPS.filter((s) => p.dhcp || s.key !== 'starting_dhcp');
  const at = steps.findIndex((s) => s.key === p.step);
  const pulling = !p.done && !p.error && p.step === 'pulling_image' && p.pull;
  const problems = p.done ? (p.problems ?? []) : [];
  const leaseProblems = problems.filter(isLeaseProblem);
  const heading = p.error ? `Creating ${p.name} failed` : p.done ? (problems.length ? `Created ${p.name} with problems` : `Created ${p.name}`) : `Creating ${p.name}`;
  return (
    <section className="card" aria-labelledby="progress-h" aria-live="polite">
      <h2 id="progress-h">{heading}</h2>
      <ol className="steps" aria-label="Creation progress">
        {steps.map((s, i) => {
          const mark = markOf(p, s.key, i, at);
          return (
            <li key={s.key} className={mark}>
              {s.label}
              {s.key === 'starting_dhcp' && mark === 'step-failed' && p.done ? <span className="step-why">: no lease yet: {leaseProblems.map(leaseWhy).join('; ')}</span> : null}
              {s.key === 'starting_dhcp' && mark === 'step-active' && i < at ? <span className="step-why">: waiting for a lease</span> : null}
            </li>
          );
        })}
      </ol>
      {pulling ? <PullBar p={p.pull!} /> : null}
      {p.error ? <ErrorBox>{p.error}</ErrorBox> : null}
      {p.done ? (
        <p role="status">
          {problems.length ? `${p.name} was created with problems: ${problems.join('; ')}. It runs; its page shows what is missing.` : `${p.name} is running.`}{' '}
          <button type="button" className="link" onClick={() => navigate('vplc', p.name)}>
            Open {p.name}
          </button>
        </p>
      ) : null}
    </section>
  );
}
