import { Fragment, useDeferredValue, useMemo, useState } from 'react';
import type { LogLine } from '../../store/app';
import { useApp } from '../../store/context';
import { LEVELS, useLogFilters, type Level } from './filters';

/** Fields of a log record shown beside its message: which vPLC, which operation, what went wrong. */
const KEY_FIELDS = ['vplc', 'op', 'channel', 'err', 'error', 'reason'] as const;

function dataOf(l: LogLine): Record<string, unknown> {
  return l.data && typeof l.data === 'object' && !Array.isArray(l.data) ? (l.data as Record<string, unknown>) : {};
}

/** The key fields a record carries, as label/value pairs (objects are left to the full record). */
export function keyFields(l: LogLine): Array<[string, string]> {
  const d = dataOf(l);
  const out: Array<[string, string]> = [];
  for (const k of KEY_FIELDS) {
    const v = d[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push([k, String(v)]);
  }
  return out;
}

export function filterLogs(lines: LogLine[], level: Level, search: string): LogLine[] {
  const min = LEVELS.indexOf(level);
  const q = search.trim().toLowerCase();
  return lines.filter((l) => LEVELS.indexOf(l.level) >= min && (!q || `${l.scope} ${l.msg} ${l.data === undefined ? '' : JSON.stringify(l.data)}`.toLowerCase().includes(q)));
}

export function Logs() {
  const lines = useApp((s) => s.logs);
  const level = useLogFilters((s) => s.level);
  const search = useLogFilters((s) => s.search);
  const setLevel = useLogFilters((s) => s.setLevel);
  const setSearch = useLogFilters((s) => s.setSearch);
  const [open, setOpen] = useState<ReadonlySet<LogLine>>(new Set());
  const deferred = useDeferredValue(search);
  const shown = useMemo(() => filterLogs(lines, level, deferred).slice(-500).reverse(), [lines, level, deferred]);
  const toggle = (l: LogLine): void =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(l)) next.add(l);
      return next;
    });
  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>Logs</h1>
        <div className="filters">
          <label>
            Level{' '}
            <select value={level} onChange={(e) => setLevel(e.target.value as Level)} aria-label="Minimum level">
              {LEVELS.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <input type="search" placeholder="Search" aria-label="Search the log" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
      </header>
      <p className="muted small">
        {shown.length} of {lines.length} lines, newest first; select a line for its full record. The full log is in the agent's log file.
      </p>
      {shown.length === 0 ? (
        <p className="state state-empty">{lines.length === 0 ? 'No log lines yet.' : 'No line matches the filter.'}</p>
      ) : (
        <table className="table log-table" aria-label="Agent log">
          <tbody>
            {shown.map((l, i) => {
              const expanded = open.has(l);
              const fields = keyFields(l);
              return (
                <Fragment key={`${l.ts}-${i}`}>
                  <tr className={`log-${l.level} log-row`} onClick={() => toggle(l)}>
                    <td className="mono small nowrap">
                      <button type="button" className="link log-toggle" aria-expanded={expanded} aria-label={`${expanded ? 'Hide' : 'Show'} the full record of ${l.msg}`} onClick={(e) => (e.stopPropagation(), toggle(l))}>
                        {expanded ? '▾' : '▸'}
                      </button>{' '}
                      {l.ts.slice(11, 23)}
                    </td>
                    <td className={`level level-${l.level}`}>{l.level}</td>
                    <td className="muted small">{l.scope}</td>
                    <td className="wrap">
                      {l.msg}
                      {fields.map(([k, v]) => (
                        <span key={k} className="log-field small">
                          {' '}
                          <span className="muted">{k}:</span> {v}
                        </span>
                      ))}
                    </td>
                  </tr>
                  {expanded ? (
                    <tr className="log-record">
                      <td colSpan={4}>
                        <pre className="mono small" aria-label={`Full record of ${l.msg}`}>
                          {JSON.stringify(l, null, 2)}
                        </pre>
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
