export type Point = { t: number; v: number };

type Props = {
  /** Accessible name, e.g. "Host CPU". */
  label: string;
  points: Point[];
  unit: string;
  /** Fixed top of the scale (100 for percentages); otherwise the largest value. */
  max?: number;
  /** Text under the title, e.g. "of 15.5 GiB". */
  caption?: string;
  empty?: string;
};

const W = 600;
const H = 120;

export function formatValue(v: number, unit: string): string {
  const digits = Math.abs(v) >= 100 ? 0 : 1;
  return `${v.toFixed(digits)}${unit === '%' ? '' : ' '}${unit}`;
}

/** Maps points to SVG coordinates: time left to right over the points' own span, value bottom to top. */
export function toPath(points: Point[], max: number): string {
  if (points.length === 0) return '';
  if (points.length === 1) {
    const y = (H - Math.min(1, Math.max(0, points[0]!.v / (max || 1))) * H).toFixed(1);
    return `M0.0,${y} L${W}.0,${y}`;
  }
  const t0 = points[0]!.t;
  const span = Math.max(1, points[points.length - 1]!.t - t0);
  return points
    .map((p, i) => {
      const x = ((p.t - t0) / span) * W;
      const y = H - Math.min(1, Math.max(0, p.v / (max || 1))) * H;
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
}

const clock = (t: number, withSeconds: boolean): string => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) });

/** A line chart in plain SVG (no chart library, nothing for the CSP to refuse). */
export function Chart({ label, points, unit, max, caption, empty = 'No samples yet' }: Props) {
  const top = max ?? Math.max(1, ...points.map((p) => p.v)) * 1.1;
  const last = points[points.length - 1];
  return (
    <figure className="chart">
      <figcaption>
        <span className="chart-title">{label}</span>
        <span className="chart-value">{last ? formatValue(last.v, unit) : '—'}</span>
        {caption ? <span className="chart-caption">{caption}</span> : null}
      </figcaption>
      <svg role="img" aria-label={label} data-points={points.length} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="chart-svg">
        <title>{last ? `${label}: ${formatValue(last.v, unit)} now, ${points.length} samples` : `${label}: ${empty}`}</title>
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} x1={0} x2={W} y1={H * f} y2={H * f} className="chart-grid" />
        ))}
        {points.length > 0 ? (
          <>
            <path d={`${toPath(points, top)} L${W},${H} L0,${H} Z`} className="chart-area" />
            <path d={toPath(points, top)} className="chart-line" vectorEffect="non-scaling-stroke" />
          </>
        ) : null}
      </svg>
      <div className="chart-axis" aria-hidden="true">
        {points.length > 1 ? (
          <>
            <span>{clock(points[0]!.t, points[points.length - 1]!.t - points[0]!.t < 600)}</span>
            <span>{clock(points[points.length - 1]!.t, points[points.length - 1]!.t - points[0]!.t < 600)}</span>
          </>
        ) : (
          <span>{points.length === 0 ? empty : 'one sample so far'}</span>
        )}
      </div>
    </figure>
  );
}

/** A small inline trend for list rows. */
export function Sparkline({ label, points, max }: { label: string; points: Point[]; max?: number }) {
  const top = max ?? Math.max(1, ...points.map((p) => p.v)) * 1.1;
  return (
    <svg role="img" aria-label={label} data-points={points.length} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="sparkline">
      {points.length > 0 ? <path d={toPath(points, top)} className="chart-line" vectorEffect="non-scaling-stroke" /> : <line x1={0} x2={W} y1={H - 1} y2={H - 1} className="chart-grid" />}
    </svg>
  );
}
