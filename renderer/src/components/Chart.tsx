export type Point = { t: number; v: number };

type Props = {
  /** Accessible name, e.g. "Host CPU". */
  label: string;
  points: Point[];
  unit: string;
  /** Fixed top of the scale (100 for percentages); otherwise a round number above the largest value. */
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

/** An axis label: no trailing zeros, two decimals below 1, one below 100. */
export function axisLabel(v: number, unit: string): string {
  const digits = Number.isInteger(v) || Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 1 ? 1 : 2;
  const n = v.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return `${n}${unit === '%' ? '' : ' '}${unit}`;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above v, so the axis reads in round steps (its half is round too). */
export function niceTop(v: number): number {
  if (!(v > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(v));
  const step = [1, 2, 5, 10].find((s) => s * mag >= v * (1 - 1e-9)) ?? 10;
  return step * mag;
}

/**
 * A sparkline's value range: the series' own min..max, widened to at least `minSpan` around its middle, so a flat
 * series draws a flat line and a small change still shows. It never dips below zero for a series that does not.
 */
export function sparkRange(points: Point[], minSpan: number): { lo: number; hi: number } {
  if (points.length === 0) return { lo: 0, hi: minSpan };
  const vs = points.map((p) => p.v);
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  const span = Math.max(max - min, minSpan);
  const mid = (min + max) / 2;
  const lo = min >= 0 ? Math.max(0, mid - span / 2) : mid - span / 2;
  return { lo, hi: lo + span };
}

/** Maps points to SVG coordinates: time left to right over the points' own span, value bottom (`min`) to top (`max`). */
export function toPath(points: Point[], max: number, min = 0): string {
  if (points.length === 0) return '';
  const range = max - min || 1;
  const y = (v: number): string => (H - Math.min(1, Math.max(0, (v - min) / range)) * H).toFixed(1);
  if (points.length === 1) return `M0.0,${y(points[0]!.v)} L${W}.0,${y(points[0]!.v)}`;
  const t0 = points[0]!.t;
  const span = Math.max(1, points[points.length - 1]!.t - t0);
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${(((p.t - t0) / span) * W).toFixed(1)},${y(p.v)}`).join(' ');
}

const clock = (t: number, withSeconds: boolean): string => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(withSeconds ? { second: '2-digit' } : {}) });

/** A line chart in plain SVG (no chart library, nothing for the CSP to refuse), with a y scale in its unit. */
export function Chart({ label, points, unit, max, caption, empty = 'No samples yet' }: Props) {
  const top = max ?? niceTop(Math.max(...points.map((p) => p.v), 0) * 1.1);
  const last = points[points.length - 1];
  return (
    <figure className="chart">
      <figcaption>
        <span className="chart-title">{label}</span>
        <span className="chart-value">{last ? formatValue(last.v, unit) : '—'}</span>
        {caption ? <span className="chart-caption">{caption}</span> : null}
      </figcaption>
      <div className="chart-body">
        <div className="chart-y" aria-hidden="true" data-top={top}>
          <span>{axisLabel(top, unit)}</span>
          <span>{axisLabel(top / 2, unit)}</span>
          <span>{axisLabel(0, unit)}</span>
        </div>
        <svg role="img" aria-label={label} data-points={points.length} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="chart-svg">
          <title>{last ? `${label}: ${formatValue(last.v, unit)} now, ${points.length} samples, scale 0 to ${axisLabel(top, unit)}` : `${label}: ${empty}`}</title>
          {[0.25, 0.5, 0.75].map((f) => (
            <line key={f} x1={0} x2={W} y1={H * f} y2={H * f} className={f === 0.5 ? 'chart-grid chart-grid-major' : 'chart-grid'} />
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
      </div>
    </figure>
  );
}

/**
 * A small inline trend for list rows, scaled to the series' own range (see sparkRange) so change is visible; the
 * range is in its accessible description since the line itself has no axis.
 */
export function Sparkline({ label, points, unit = '%', minSpan = 2 }: { label: string; points: Point[]; unit?: string; minSpan?: number }) {
  const { lo, hi } = sparkRange(points, minSpan);
  const vs = points.map((p) => p.v);
  const title = points.length ? `${label}: ${axisLabel(Math.min(...vs), unit)} to ${axisLabel(Math.max(...vs), unit)}` : `${label}: no samples yet`;
  return (
    <svg role="img" aria-label={label} data-points={points.length} data-range={`${lo}..${hi}`} viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="sparkline">
      <title>{title}</title>
      {points.length > 0 ? <path d={toPath(points, hi, lo)} className="chart-line" vectorEffect="non-scaling-stroke" /> : <line x1={0} x2={W} y1={H - 1} y2={H - 1} className="chart-grid" />}
    </svg>
  );
}
