const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;

/** One labelled progress bar of a runtime image transfer: "<what>: <percent>% (<done> of <total>)". */
export function LoadProgress({ id, what, percent, done, total }: { id: string; what: string; percent: number; done: number; total: number }) {
  return (
    <p>
      <label htmlFor={id}>
        {what}: {percent}% ({mb(done)} of {mb(total)})
      </label>{' '}
      <progress id={id} max={100} value={percent} />
    </p>
  );
}

export const loadPhaseText = (phase: string): string => (phase === 'checking' ? 'Checking the archive' : 'Loading into Docker');
