import { RANGES, type Range } from './metrics';

/** The history range buttons above a set of charts. */
export function RangePicker({ label, range, onChange }: { label: string; range: Range; onChange: (r: Range) => void }) {
  return (
    <div role="group" aria-label={label} className="segmented">
      {RANGES.map((r) => (
        <button key={r.seconds} type="button" aria-pressed={range === r.seconds} onClick={() => onChange(r.seconds)}>
          {r.label}
        </button>
      ))}
    </div>
  );
}
