import { useDeferredValue, useMemo, useState } from 'react';
import type { LogLine } from '../../store/app';
import { useApp } from '../../store/context';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

export function filterLogs(lines: LogLine[], level: Level, search: string): LogLine[] {
  const min = LEVELS.indexOf(level);
  const q = search.trim().toLowerCase();
  return lines.filter((l) => LEVELS.indexOf(l.level) >= min && (!q || `${l.scope} ${l.msg}`.toLowerCase().includes(q)));
}

export function Logs() {
  const lines = useApp((s) => s.logs);
  const [level, setLevel] = useState<Level>('info');
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search);
  const shown = useMemo(() => filterLogs(lines, level, deferred).slice(-500).reverse(), [lines, level, deferred]);
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
        {shown.length} of {lines.length} lines, newest first. The full log is in the agent's log file.
      </p>
      {shown.length === 0 ? (
        <p className="state state-empty">{lines.length === 0 ? 'No log lines yet.' : 'No line matches the filter.'}</p>
      ) : (
        <table className="table log-table" aria-label="Agent log">
          <tbody>
            {shown.map((l, i) => (
              <tr key={`${l.ts}-${i}`} className={`log-${l.level}`}>
                <td className="mono small nowrap">{l.ts.slice(11, 23)}</td>
                <td className={`level level-${l.level}`}>{l.level}</td>
                <td className="muted small">{l.scope}</td>
                <td className="wrap">{l.msg}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
