import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { DebugMapView, LiveVariable } from '../../../../shared/debug/live';
import { errorText } from '../../api/client';
import { ActionResult, Badge, ConfirmDialog, Empty, ErrorBox, Field, Loading, Table } from '../../components/ui';
import { useApi } from '../../store/context';
import { ForceDialog } from './ForceDialog';
import { liveSettings, MAX_HZ, MAX_ROWS, MIN_HZ, useLiveSettings } from './settings';
import { useLiveRead } from './useLiveRead';

type Leaf = NonNullable<DebugMapView['map']>['leaves'][number];
type Outcome = { ok: boolean; text: string } | null;

const shownValue = (v: LiveVariable | undefined): string => {
  if (!v) return '…';
  if (v.value === null) return v.error ? `— (${v.error})` : '—';
  if (typeof v.value === 'boolean') return v.value ? 'TRUE' : 'FALSE';
  return String(v.value);
};

/** Loads the variable map from a file on this PC: debug-map.json, or the program bundle (.zip) holding it. */
function LoadMap({ name, onLoaded }: { name: string; onLoaded(v: DebugMapView): void }) {
  const api = useApi();
  const [path, setPath] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!path.trim()) return setError('give the path of debug-map.json or of the program bundle (.zip)');
    setBusy(true);
    const r = await api.call('plc:debug-map-load', { name, path: path.trim() });
    setBusy(false);
    if (!r.ok) return setError(errorText(r.error));
    setError(undefined);
    onLoaded(r.value);
  };
  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-label="Load a variable map">
      <Field
        label="Variable map file on this PC"
        htmlFor="livemap-path"
        error={error}
        hint="debug-map.json, or the program bundle (.zip) it came in. The agent reads this path itself: as the system service it sees neither /home nor /tmp, so put the file where user vplc-orchestrator can read it (e.g. under /srv). A program uploaded through this page keeps its map without this."
      >
        <input id="livemap-path" value={path} onChange={(e) => (setPath(e.target.value), setError(undefined))} placeholder="/srv/plc/blink/debug-map.json" aria-invalid={!!error} />
      </Field>
      <button type="submit" disabled={busy}>
        {busy ? 'Loading map…' : 'Load map'}
      </button>
    </form>
  );
}

function Controls({ paused, onPause, tick }: { paused: boolean; onPause(): void; tick: number | null }) {
  const hz = useLiveSettings((s) => s.hz);
  const filter = useLiveSettings((s) => s.filter);
  return (
    <div className="filters" role="group" aria-label="Live view controls">
      <label>
        Filter <input type="search" value={filter} onChange={(e) => liveSettings.getState().setFilter(e.target.value)} placeholder="part of a variable name" />
      </label>
      <label>
        Refresh rate{' '}
        <select value={hz} onChange={(e) => liveSettings.getState().setHz(Number(e.target.value))}>
          {Array.from({ length: MAX_HZ - MIN_HZ + 1 }, (_, i) => MIN_HZ + i).map((n) => (
            <option key={n} value={n}>
              {n} Hz
            </option>
          ))}
        </select>
      </label>
      <button type="button" aria-pressed={paused} onClick={onPause}>
        {paused ? 'Resume' : 'Pause'}
      </button>
      {tick !== null ? <span className="muted small">scan {tick}</span> : null}
    </div>
  );
}

/** The open view: the map, the values at the chosen rate, force and release. Mounted only while the user has it open. */
function LiveView({ name }: { name: string }) {
  const api = useApi();
  const [map, setMap] = useState<{ view?: DebugMapView; error?: string }>({});
  const [paused, setPaused] = useState(false);
  const [forcing, setForcing] = useState<{ variable: LiveVariable; size: number } | null>(null);
  const [releasing, setReleasing] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const hz = useLiveSettings((s) => s.hz);
  const filter = useLiveSettings((s) => s.filter);

  const loadMap = useCallback(
    () =>
      void api.call('plc:debug-map', { name }).then((r) => setMap(r.ok ? { view: r.value } : { error: errorText(r.error) })),
    [api, name],
  );
  useEffect(loadMap, [loadMap]);

  const leaves = map.view?.map?.leaves ?? null;
  const matching = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return (leaves ?? []).filter((l) => !f || l.path.toLowerCase().includes(f));
  }, [leaves, filter]);
  const shown: Leaf[] = matching.slice(0, MAX_ROWS);
  const paths = leaves && shown.length > 0 ? shown.map((l) => l.path) : null;
  const { read, error } = useLiveRead(name, paths, hz, paused);
  const values = useMemo(() => new Map((read?.variables ?? []).map((v) => [v.path, v])), [read]);

  const release = async (path: string): Promise<void> => {
    setReleasing(null);
    const r = await api.call('plc:live-set', { name, path, force: false, confirm: true });
    setOutcome(r.ok ? { ok: true, text: r.value.message } : { ok: false, text: errorText(r.error) });
  };

  if (map.error) return <ErrorBox onRetry={loadMap}>{map.error}</ErrorBox>;
  if (!map.view) return <Loading what="the variable map" />;
  const loader = <LoadMap name={name} onLoaded={(v) => (setMap({ view: v }), setOutcome({ ok: true, text: `Variable map loaded: ${v.map?.leaves.length ?? 0} variables.` }))} />;
  if (!map.view.map) {
    return (
      <>
        <ActionResult result={outcome} />
        <Empty>No variable map for {name}: upload a program bundle that has debug-map.json, or load the map from a file.</Empty>
        {loader}
      </>
    );
  }
  const status = read?.status;
  return (
    <>
      <p className="muted small">
        Map: {map.view.map.source === 'upload' ? 'from the uploaded program' : 'loaded from'} <span className="mono">{map.view.map.source_name}</span>, {map.view.map.leaves.length} variables.
      </p>
      <ActionResult result={outcome} />
      {status === 'no_credentials' || status === 'no_map' ? (
        <p className="state state-error" role="alert">
          {read?.message}
        </p>
      ) : null}
      {status === 'md5_mismatch' ? (
        <p className="state state-error" role="alert">
          The map belongs to another program: {read?.message} No values are shown against its names.
        </p>
      ) : null}
      {error ? (
        <p className="state state-error" role="alert">
          {error}
        </p>
      ) : null}
      <Controls paused={paused} onPause={() => setPaused((p) => !p)} tick={read?.tick ?? null} />
      {status === 'md5_mismatch' || status === 'no_credentials' ? null : (
        <>
          {matching.length > MAX_ROWS ? (
            <p className="muted small" role="status">
              Showing {MAX_ROWS} of {matching.length} variables: narrow the filter to see the others.
            </p>
          ) : null}
          {shown.length === 0 ? (
            <Empty>No variable matches the filter.</Empty>
          ) : (
            <Table label={`Live variables of ${name}`} columns={['Variable', 'Type', 'Value', 'Forced', 'Actions']}>
              {shown.map((l) => {
                const v = values.get(l.path);
                return (
                  <tr key={l.path}>
                    <th scope="row" className="mono">
                      {l.path}
                    </th>
                    <td>{l.type}</td>
                    <td className="mono">{shownValue(v)}</td>
                    <td>{v?.forced ? <Badge tone="warn">forced</Badge> : null}</td>
                    <td>
                      <button type="button" disabled={!v} onClick={() => v && setForcing({ variable: v, size: l.size })} aria-label={`Force ${l.path}`}>
                        Force…
                      </button>
                      {v?.forced ? (
                        <button type="button" onClick={() => setReleasing(l.path)} aria-label={`Release ${l.path}`}>
                          Release
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </Table>
          )}
        </>
      )}
      <details>
        <summary>Load another variable map…</summary>
        {loader}
      </details>
      {forcing ? (
        <ForceDialog
          name={name}
          variable={forcing.variable}
          size={forcing.size}
          onCancel={() => setForcing(null)}
          onDone={(text) => (setForcing(null), setOutcome({ ok: true, text }))}
        />
      ) : null}
      {releasing ? (
        <ConfirmDialog title={`Release ${releasing}?`} confirmLabel="Release" danger onConfirm={() => void release(releasing)} onCancel={() => setReleasing(null)}>
          <p>
            <strong>{name}</strong>: the PLC program takes this variable over again from the next scan.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/**
 * Live variables of a vPLC (docs/debug.md "Live variables"): closed, it reads nothing; open, it reads the rows on
 * screen at 2–10 Hz unless paused, and forces or releases a variable after a confirmation.
 */
export function LiveVariables({ name }: { name: string }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="card" aria-labelledby="live-h">
      <div className="card-head">
        <h2 id="live-h">Live variables</h2>
        <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Close live view' : 'Open live view'}
        </button>
      </div>
      {open ? <LiveView name={name} /> : <p className="muted small">The runtime is asked for values only while this view is open.</p>}
    </section>
  );
}
