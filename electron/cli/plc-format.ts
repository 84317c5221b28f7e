import type { CompileProgress, PlcLogLine, PlcStat, PlcView } from '../../shared/domain/plc.js';

/** Microseconds as people read them: µs below a millisecond, ms with two decimals above. */
export function micros(n: number): string {
  return n < 1000 ? `${Math.round(n)} µs` : `${(n / 1000).toFixed(2)} ms`;
}

const avgMax = (s: PlcStat): string => `${micros(s.avg)} / ${micros(s.max)}`;

export function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n') + '\n';
}

function connectionLine(name: string, v: PlcView): string {
  const as = v.username ? ` as ${v.username}` : '';
  switch (v.connection) {
    case 'not_connected':
      return `not connected: no runtime credentials stored for ${name}; give them with \`vplc-orchestrator plc login ${name} --user NAME\``;
    case 'connecting':
      return `connecting${as} (credentials stored, no answer from the runtime yet)`;
    case 'connected':
      return `connected${as}`;
    case 'auth_failed':
      return `the runtime refused the stored credentials${as}; give new ones with \`vplc-orchestrator plc login ${name} --user NAME\``;
    case 'unreachable':
      return `the runtime does not answer${as}`;
    case 'error':
      return `the runtime's answer could not be read${as}`;
  }
}

function stateLine(v: PlcView): string {
  if (v.status === null) return 'unknown';
  const program = v.program_loaded === null ? '' : v.program_loaded ? ' (program loaded)' : ' (no program loaded)';
  return `${v.status}${program}`;
}

/** The PLC card as text: state, connection, faults, the change rule, then one row per IEC task. */
export function formatPlcView(name: string, v: PlcView): string {
  const lines = [`PLC of ${name}: ${stateLine(v)}`, `  connection: ${connectionLine(name, v)}`];
  if (v.checked_at) lines.push(`  last answer: ${v.checked_at}`);
  if (v.error) lines.push(`  error: ${v.error}`);
  if (v.fault_since) lines.push(`  fault: the PLC core crashed (STATUS:ERROR) at ${v.fault_since}; the runtime restarts it`);
  if (v.realtime === false) lines.push('  real-time: no real-time scheduling on this host: expect millisecond jitter');
  lines.push(`  changes: ${v.change_rule} — ${v.change_rule_reason}`);
  let out = `${lines.join('\n')}\n`;
  if (v.tasks.length) {
    out += `\n${table([
      ['TASK', 'SCAN avg / max', 'CYCLE avg', 'JITTER avg / max', 'OVERRUNS', 'SCANS'],
      ...v.tasks.map((t) => [t.name, avgMax(t.scan_time), micros(t.cycle_time.avg), avgMax(t.cycle_latency), String(t.overruns), String(t.scan_count)]),
    ])}`;
  } else if (v.connection === 'connected') out += '  no task statistics (no program running)\n';
  return out;
}

export const formatLogLine = (l: PlcLogLine): string => `${l.id} ${l.timestamp} ${l.level.padEnd(8)} ${l.message}\n`;

/**
 * Turns successive compile snapshots into the lines not shown yet: a line per state change and each new compiler log
 * line (`logs` is cumulative).
 */
export class CompilePrinter {
  private state: string | null = null;
  private shownLogs = 0;

  constructor(private readonly out: (s: string) => void) {}

  show(p: CompileProgress): void {
    if (p.state !== this.state) {
      this.state = p.state;
      this.out(`compile: ${p.state}\n`);
    }
    // A new compile starts its log from scratch.
    if (p.logs.length < this.shownLogs) this.shownLogs = 0;
    for (const line of p.logs.slice(this.shownLogs)) this.out(`  ${line}\n`);
    this.shownLogs = p.logs.length;
  }
}
