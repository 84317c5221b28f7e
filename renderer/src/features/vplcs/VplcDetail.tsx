import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { Chart } from '../../components/Chart';
import { Badge, ConfirmDialog, ErrorBox, formatDuration, Loading, stateTone, Table } from '../../components/ui';
import { useApi, useApp } from '../../store/context';
import { routeHash } from '../../store/route';
import { formatClock, lastErrorText, localClock, stateWord } from './status';
import { useVplcMetrics } from './useVplcMetrics';
import { RuntimeAccess } from './RuntimeAccess';
import { CopyValue } from '../../components/CopyValue';
import { When } from '../../components/When';
import { PlcCard } from '../plc/PlcCard';
import { LiveVariables } from '../livevars/LiveVariables';
import { SerialPortsCard } from '../serial/SerialPortsCard';
import { HostNicDetails } from '../hostnic/HostNicDetails';

type Action = 'start' | 'stop' | 'restart' | 'delete' | 'apply';
const CONFIRM: Record<Exclude<Action, 'start'>, { title: string; text: string; label: string }> = {
  stop: { title: 'Stop this vPLC?', text: 'The PLC program stops running and its outputs are no longer driven.', label: 'Stop' },
  restart: { title: 'Restart this vPLC?', text: 'The PLC program stops for a few seconds while the container restarts.', label: 'Restart' },
  delete: { title: 'Delete this vPLC?', text: 'The container and its networks are removed. This cannot be undone.', label: 'Delete' },
  apply: { title: 'Apply the pending changes now?', text: 'The vPLC is recreated with its stored configuration: the PLC program stops for a few seconds.', label: 'Apply now' },
};

function useStatus(name: string): { status?: Output<'vplc:status'>; error?: string; reload(): void } {
  const api = useApi();
  const revision = useApp((s) => s.vplcRevision);
  const [state, setState] = useState<{ status?: Output<'vplc:status'>; error?: string }>({});
  const reload = useCallback(() => {
    void api.call('vplc:status', { name }).then((r) => {
      setState(r.ok ? { status: r.value } : (s) => ({ ...s, error: errorText(r.error) }));
    });
  }, [api, name]);
  useEffect(() => {
    reload();
    const t = setInterval(reload, 5_000);
    return () => clearInterval(t);
  }, [reload, revision]);
  return { ...state, reload };
}

function History({ name }: { name: string }) {
  const api = useApi();
  const revision = useApp((s) => s.vplcRevision);
  const [entries, setEntries] = useState<Output<'journal:list'>>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    void api.call('journal:list', { name, limit: 50 }).then((r) => (r.ok ? (setEntries(r.value), setError(undefined)) : setError(errorText(r.error))));
  }, [api, name, revision]);
  return (
    <section className="card" aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      {error ? <ErrorBox>{error}</ErrorBox> : null}
      {!entries && !error ? <Loading what="the history" /> : null}
      {entries && entries.length === 0 ? <p className="muted">No changes recorded yet.</p> : null}
      {entries && entries.length > 0 ? (
        <Table label="History" columns={['When', 'What', 'Asked by', 'Result']}>
          {entries.map((e, i) => (
            <tr key={`${e.ts}-${i}`}>
              <td className="nowrap small">
                <When at={e.ts} />
              </td>
              <td>{e.action}</td>
              <td>{e.requestedBy === 'ui' ? 'this PC' : e.requestedBy}</td>
              <td>
                <Badge tone={e.result === 'error' ? 'bad' : e.result === 'accepted' ? 'busy' : 'ok'}>{e.result}</Badge> {e.detail ? <span className="muted small">{e.detail}</span> : null}
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
    </section>
  );
}

function LogTail({ name }: { name: string }) {
  const api = useApi();
  const [lines, setLines] = useState<string[]>();
  const [error, setError] = useState<string>();
  const load = useCallback(() => {
    void api.call('vplc:logs', { name, tail: 200 }).then((r) => {
      if (r.ok) {
        setLines(r.value);
        setError(undefined);
      } else setError(errorText(r.error));
    });
  }, [api, name]);
  useEffect(() => {
    load();
    const t = setInterval(load, 10_000);
    return () => clearInterval(t);
  }, [load]);
  return (
    <section className="card" aria-labelledby="logtail-h">
      <div className="card-head">
        <h2 id="logtail-h">Container log</h2>
        <button type="button" onClick={load}>
          Refresh
        </button>
      </div>
      {error ? <ErrorBox>{error}</ErrorBox> : null}
      {lines === undefined && !error ? <Loading what="the log" /> : null}
      {lines && lines.length === 0 ? <p className="muted">The container has written nothing yet.</p> : null}
      {lines && lines.length > 0 ? (
        <pre className="log" tabIndex={0} aria-label={`Log of ${name}`}>
          {lines.join('\n')}
        </pre>
      ) : null}
    </section>
  );
}

export function VplcDetail({ name }: { name: string }) {
  const api = useApi();
  const navigate = useApp((s) => s.navigate);
  const refreshVplcs = useApp((s) => s.refreshVplcs);
  const { status, error, reload } = useStatus(name);
  const metrics = useVplcMetrics(name, 3_600, 15_000);
  const [confirm, setConfirm] = useState<Exclude<Action, 'start'> | null>(null);
  const [busy, setBusy] = useState<Action | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>();

  const run = async (action: Action): Promise<void> => {
    setConfirm(null);
    setBusy(action);
    setOutcome(undefined);
    if (action === 'delete') {
      const r = await api.call('vplc:delete', { name, confirm: true });
      setBusy(null);
      if (!r.ok) return setOutcome({ ok: false, text: errorText(r.error) });
      void refreshVplcs();
      navigate('vplcs');
      return;
    }
    if (action === 'apply') {
      const r = await api.call('vplc:apply', { name, confirm: true });
      setBusy(null);
      setOutcome(r.ok ? { ok: true, text: r.value.message } : { ok: false, text: errorText(r.error) });
      reload();
      return;
    }
    const r = action === 'start' ? await api.call('vplc:start', { name }) : await api.call(`vplc:${action}`, { name, confirm: true });
    setBusy(null);
    if (!r.ok) setOutcome({ ok: false, text: errorText(r.error) });
    else if (r.value.status === 'error') setOutcome({ ok: false, text: r.value.error });
    else setOutcome({ ok: true, text: r.value.message });
    reload();
    void refreshVplcs();
  };

  const s = status;
  const running = s?.is_running ?? false;
  const inOperation = s && (s.status === 'creating' || s.status === 'deleting');
  const suspended = s?.orchestrator_state?.restart_suspended === true;
  const shown = !s ? 'loading' : inOperation ? s.status : (s.orchestrator_state?.health ?? (suspended ? 'suspended' : stateWord(s.container_status ?? s.status)));
  const startingSince = s?.orchestrator_state?.starting?.since;
  // Until the first status arrives nothing is known, so no action is offered.
  const unknown = !s;
  const warnings = s?.orchestrator_state?.warnings ?? [];
  const lastError = lastErrorText(s?.orchestrator_state?.last_error);
  const pendingChanges = s?.orchestrator_state?.pending_changes ?? [];
  return (
    <div className="page">
      <header className="page-head">
        <div>
          <a href={routeHash('vplcs')}>← vPLCs</a>
          <h1 tabIndex={-1}>
            {name} <Badge tone={stateTone(shown)}>{shown}</Badge>
          </h1>
        </div>
        <div className="actions" role="group" aria-label="Actions">
          <button type="button" onClick={() => void run('start')} disabled={unknown || !!busy || running || !!inOperation}>
            {busy === 'start' ? 'Starting…' : suspended ? 'Start now' : 'Start'}
          </button>
          <button type="button" onClick={() => setConfirm('stop')} disabled={unknown || !!busy || !running || !!inOperation}>
            {busy === 'stop' ? 'Stopping…' : 'Stop'}
          </button>
          <button type="button" onClick={() => setConfirm('restart')} disabled={unknown || !!busy || !!inOperation}>
            {busy === 'restart' ? 'Restarting…' : 'Restart'}
          </button>
          <button type="button" onClick={() => navigate('edit', name)} disabled={unknown || !!busy || !!inOperation}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => setConfirm('delete')} disabled={unknown || !!busy || s?.status === 'deleting'}>
            {busy === 'delete' ? 'Deleting…' : 'Delete'}
          </button>
        </div>
      </header>
      {outcome ? (
        <p className={outcome.ok ? 'notice' : 'state state-error'} role={outcome.ok ? 'status' : 'alert'}>
          {outcome.text}
        </p>
      ) : null}
      {error ? <ErrorBox onRetry={reload}>{error}</ErrorBox> : null}
      {!s && !error ? <Loading what={name} /> : null}
      {suspended ? (
        <p className="state state-error" role="alert">
          Automatic restarts are suspended: it stopped {s.orchestrator_state?.restarts_in_window ?? 'several'} times in a short while.{' '}
          {s.orchestrator_state?.restarts_resume_at ? `They resume ${formatClock(s.orchestrator_state.restarts_resume_at)}. ` : ''}
          Check its log, then use Start now to try again at once.
        </p>
      ) : null}
      {startingSince ? (
        <p className="notice" role="status">
          Started; waiting for the runtime to answer (since {localClock(startingSince)}).
        </p>
      ) : null}
      {s && inOperation ? <p className="notice">{s.message ?? `being ${s.status}`}{s.step ? ` (step: ${s.step})` : ''}</p> : null}
      {s?.status === 'error' ? <ErrorBox>{s.error ?? s.message ?? 'unknown error'}</ErrorBox> : null}
      {s && s.status === 'success' ? (
        <div className="grid-2">
          <section className="card" aria-labelledby="facts-h">
            <h2 id="facts-h">Runtime</h2>
            <dl className="facts">
              <dt>Internal IP</dt>
              <dd>{s.internal_ip ? <CopyValue text={s.internal_ip} what="the internal IP" /> : '—'}</dd>
              <dt>Uptime</dt>
              <dd>{s.uptime_seconds !== undefined ? formatDuration(s.uptime_seconds) : running ? '—' : `stopped${s.exit_code !== undefined ? ` (exit code ${s.exit_code})` : ''}`}</dd>
              <dt>Restarts</dt>
              <dd>
                {s.restart_count ?? 0}
                {s.orchestrator_state?.restarts_in_window ? ` (${s.orchestrator_state.restarts_in_window} recently)` : ''}
                {suspended ? <Badge tone="bad">automatic restarts suspended</Badge> : null}
              </dd>
              {s.health_status ? (
                <>
                  <dt>Health</dt>
                  <dd>
                    <Badge tone={stateTone(s.health_status)}>{s.health_status}</Badge>
                  </dd>
                </>
              ) : null}
              <dt>Wanted state</dt>
              <dd>{s.orchestrator_state?.desired_state ?? '—'}</dd>
            </dl>
            <RuntimeAccess internalIp={s.internal_ip} networks={s.networks} running={running} />
            {warnings.length || lastError ? (
              <ul className="warnings" aria-label="Warnings">
                {warnings.map((w) => (
                  <li key={w}>
                    {w}
                    {/edit the vNIC/.test(w) ? (
                      <>
                        {' '}
                        <a href={routeHash('edit', name)}>Edit the vNIC</a>
                      </>
                    ) : null}
                  </li>
                ))}
                {lastError ? <li>Last error: {lastError}</li> : null}
              </ul>
            ) : null}
          </section>
          <section className="card" aria-labelledby="usage-h">
            <h2 id="usage-h">Usage, last hour</h2>
            <Chart label={`CPU of ${name}`} unit="%" points={metrics.cpu} empty="Sampled every 5 s while it runs" />
            <Chart label={`Memory of ${name}`} unit="MiB" points={metrics.memory} empty="Sampled every 5 s while it runs" />
          </section>
        </div>
      ) : null}
      {pendingChanges.length > 0 ? (
        <section className="card pending" aria-labelledby="pending-h">
          <div className="card-head">
            <h2 id="pending-h">Pending changes</h2>
            <button type="button" className="primary" onClick={() => setConfirm('apply')} disabled={!!busy}>
              {busy === 'apply' ? 'Applying…' : 'Apply now'}
            </button>
          </div>
          <ul>
            {pendingChanges.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
          {s?.plc?.change_rule_reason ? (
            <p className="notice" role="note">
              {s.plc.change_rule_reason}
            </p>
          ) : null}
          <p className="muted small">A running vPLC is changed only when you confirm here, from the cloud, or once it is stopped.</p>
        </section>
      ) : null}
      {s && s.status === 'success' ? <PlcCard name={name} plc={s.plc} onChanged={reload} /> : null}
      {s && s.status === 'success' ? <LiveVariables name={name} /> : null}
      {s && s.status === 'success' ? <SerialPortsCard name={name} ports={s.serial_ports} /> : null}
      {s && s.status === 'success' ? (
        <section className="card" aria-labelledby="nets-h">
          <h2 id="nets-h">Networks</h2>
          {Object.keys(s.networks ?? {}).length === 0 ? (
            <p className="muted">No LAN vNICs: reachable over IP only from this PC at its internal IP{s.dedicated_nic ? '; its dedicated port carries the fieldbus' : ''}.</p>
          ) : (
            <Table label="Networks" columns={['Network', 'IP', 'MAC', 'Gateway']}>
              {Object.entries(s.networks ?? {}).map(([net, n]) => (
                <tr key={net}>
                  <th scope="row" className="mono small wrap">
                    {net}
                  </th>
                  <td>{n.ip_address ? <CopyValue text={n.ip_address} what={`the IP on ${net}`} /> : <span className="muted">waiting for a lease</span>}</td>
                  <td>{n.mac_address ? <CopyValue text={n.mac_address} what={`the MAC on ${net}`} /> : '—'}</td>
                  <td className="mono">{n.gateway ?? '—'}</td>
                </tr>
              ))}
            </Table>
          )}
          <HostNicDetails name={name} modes={s.vnic_modes} dedicated={s.dedicated_nic} running={running} />
        </section>
      ) : null}
      <History name={name} />
      <LogTail name={name} />
      {confirm ? (
        <ConfirmDialog title={CONFIRM[confirm].title} confirmLabel={CONFIRM[confirm].label} danger={confirm === 'stop' || confirm === 'delete'} onConfirm={() => void run(confirm)} onCancel={() => setConfirm(null)}>
          <p>
            <strong>{name}</strong>: {CONFIRM[confirm].text}
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
