/** One benchmark's result, as printed by a bench file and collected by the bench runner. */
export interface BenchRow {
  label: string;
  value: number;
  unit: string;
  /** The comparison figure for `value`, in the same unit (e.g. the reference approach). */
  baseline?: number;
  /** `value / baseline` (below 1 means cheaper than the baseline). */
  ratio?: number;
}

export interface BenchResult {
  /** Stable id, e.g. `p4-usage-sample`. */
  id: string;
  title: string;
  rows: BenchRow[];
  notes?: string[];
}

/** Print a result as a plain aligned table. */
export function formatBenchResult(result: BenchResult): string {
  const fmt = (n: number | undefined): string => {
    if (n === undefined) return '';
    if (n === 0) return '0';
    const abs = Math.abs(n);
    return abs >= 100 ? n.toFixed(1) : abs >= 1 ? n.toFixed(3) : n.toPrecision(3);
  };
  const header = ['label', 'value', 'unit', 'baseline', 'ratio'];
  const body = result.rows.map((r) => [r.label, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [`${result.id} — ${result.title}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  for (const n of result.notes ?? []) out.push(`  * ${n}`);
  return out.join('\n');
}
