import type { OperationStep, PullProgress } from '../../../../shared/domain/operations';
import { ErrorBox } from '../../components/ui';
import { useApp } from '../../store/context';
import { CREATE_STEPS } from './status';

export type CreateProgressState = { name: string; step: OperationStep | null; done: boolean; error?: string; dhcp: boolean; pull?: PullProgress };

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
  return (
    <section className="card" aria-labelledby="progress-h" aria-live="polite">
      <h2 id="progress-h">Creating {p.name}</h2>
      <ol className="steps" aria-label="Creation progress">
        {steps.map((s, i) => (
          <li key={s.key} className={p.done ? 'step-done' : p.error && i === Math.max(at, 0) ? 'step-failed' : i < at ? 'step-done' : i === at ? 'step-active' : 'step-todo'}>
            {s.label}
          </li>
        ))}
      </ol>
      {pulling ? <PullBar p={p.pull!} /> : null}
      {p.error ? <ErrorBox>{p.error}</ErrorBox> : null}
      {p.done ? (
        <p role="status">
          {p.name} is running.{' '}
          <button type="button" className="link" onClick={() => navigate('vplc', p.name)}>
            Open {p.name}
          </button>
        </p>
      ) : null}
    </section>
  );
}
