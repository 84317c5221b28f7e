import { useCallback, useEffect, useState } from 'react';
import type { PlcLogLine } from '../../../../shared/domain/plc';
import { errorText } from '../../api/client';
import { ErrorBox, Loading } from '../../components/ui';
import { useApi } from '../../store/context';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
type Level = (typeof LEVELS)[number];
const STEP = 200;
const MOST = 2_000;

/** The runtime's own log (`plc:logs`), newest at the bottom, one level or all, with more of the past on request. */
export function PlcLogs({ name }: { name: string }) {
  const api = useApi();
  const [level, setLevel] = useState<Level | ''>('');
  const [limit, setLimit] = useState(STEP);
  const [lines, setLines] = useState<PlcLogLine[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    void api.call('plc:logs', { name, limit, ...(level ? { level } : {}) }).then((r) => {
      if (r.ok) {
        setLines(r.value);
        setError(undefined);
      } else setError(errorText(r.error));
    });
  }, [api, name, level, limit]);
  useEffect(() => {
    load();
    const t = setInterval(load, 10_000);
    return () => clearInterval(t);
  }, [load]);
  const more = lines !== undefined && lines.length >= limit && limit < MOST;
  return (
    <div>
      <div className="card-head">
        <h3 id="plc-logs-h">Runtime log</h3>
        <div className="actions">
          <label htmlFor="plc-log-level" className="small">
            Level
          </label>
          <select
            id="plc-log-level"
            className="inline"
            value={level}
            onChange={(e) => {
              setLevel(e.target.value as Level | '');
              setLimit(STEP);
            }}
          >
            <option value="">all</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
          <button type="button" onClick={load}>
            Refresh
          </button>
        </div>
      </div>
      {error ? <ErrorBox>{error}</ErrorBox> : null}
      {lines === undefined && !error ? <Loading what="the runtime log" /> : null}
      {lines && lines.length === 0 ? <p className="muted">{level ? `No ${level} lines in the runtime's log.` : "The runtime's log is empty."}</p> : null}
      {more ? (
        <button type="button" onClick={() => setLimit((l) => Math.min(MOST, l + STEP))}>
          Load more
        </button>
      ) : null}
      {lines && lines.length > 0 ? (
        <pre className="log" tabIndex={0} aria-label={`Runtime log of ${name}`}>
          {[...lines].sort((a, b) => a.id - b.id).map((l) => `${l.timestamp} ${l.level.padEnd(8)} ${l.message}`).join('\n')}
        </pre>
      ) : null}
    </div>
  );
}
