import { useEffect, useState } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { Chart } from '../../components/Chart';
import { Badge, ErrorBox, Loading, stateTone } from '../../components/ui';
import { useApi, useApp } from '../../store/context';
import { routeHash } from '../../store/route';
import { gib, hostSeries, type Range } from '../metrics';
import { RangePicker } from '../RangePicker';
import { summaryWord } from '../vplcs/status';
import { LiveRestoreFix } from './LiveRestoreFix';
import { CopyValue } from '../../components/CopyValue';
import { When } from '../../components/When';
import { SerialDevicesCard } from '../serial/SerialDevicesCard';

function useHostHistory(range: Range): { history?: Output<'metrics:history'>; error?: string } {
  const api = useApi();
  const [state, setState] = useState<{ history?: Output<'metrics:history'>; error?: string }>({});
  useEffect(() => {
    let live = true;
    const load = (): void =>
      void api.call('metrics:history', { target: 'host', seconds: range }).then((r) => {
        if (live) setState(r.ok ? { history: r.value } : { error: errorText(r.error) });
      });
    load();
    const t = setInterval(load, 60_000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [api, range]);
  return state;
}

function AgentCard() {
  const status = useApp((s) => s.status);
  const cert = useApp((s) => s.cert);
  const cloudLink = useApp((s) => s.cloudLink);
  const navigate = useApp((s) => s.navigate);
  const api = useApi();
  if (!status.data && status.loading) return <Loading what="agent status" />;
  if (!status.data) return <ErrorBox>{status.error ?? 'No answer from the agent yet.'}</ErrorBox>;
  const s = status.data;
  const c = cert.data;
  return (
    <section className="card" aria-labelledby="agent-h">
      <h2 id="agent-h">Agent</h2>
      <dl className="facts">
        <dt>Cloud</dt>
        <dd>
          <Badge tone={s.cloud === 'disabled' ? 'idle' : stateTone(s.cloud)}>{s.cloud === 'disabled' ? 'local-only' : s.cloud}</Badge>
          {cloudLink && s.cloud !== 'disabled' && cloudLink.state !== s.cloud ? <span className="muted"> link: {cloudLink.state}</span> : null}
        </dd>
        <dt>Agent ID</dt>
        <dd>{(c?.agentId ?? cloudLink?.agentId) ? <CopyValue text={c?.agentId ?? cloudLink?.agentId ?? ''} what="the agent ID" /> : <span className="muted">not enrolled</span>}</dd>
        <dt>Certificate</dt>
        <dd>
          {c ? (
            <>
              valid until <When at={c.notAfter} dateOnly />{' '}
              <Badge tone={c.expiry.level === 'ok' ? 'ok' : c.expiry.level === 'expired' || c.expiry.level === 'days1' ? 'bad' : 'warn'}>{c.expiry.level === 'ok' ? `${Math.floor(c.expiry.daysLeft)} days left` : (c.expiry.message ?? c.expiry.level)}</Badge>
            </>
          ) : (
            <button type="button" className="link" onClick={() => navigate('enrol')}>
              Enrol this PC
            </button>
          )}
        </dd>
        <dt>Attached to</dt>
        <dd>{s.mode === 'service' ? 'the system service (shared by every user of this PC)' : api.kind === 'ipc' ? 'this app’s own agent' : 'a headless agent'}</dd>
        <dt>Workers</dt>
        <dd className="workers">
          {s.workers.map((w) => (
            <Badge key={w.name} tone={stateTone(w.state)}>
              {w.name}: {w.state}
            </Badge>
          ))}
        </dd>
      </dl>
      {s.warnings.length ? (
        <ul className="warnings" aria-label="Warnings">
          {s.warnings.map((w) => (
            <li key={w}>
              {w}
              {w.startsWith('Docker live-restore is off') ? <LiveRestoreFix /> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function VplcSummaryCard() {
  const vplcs = useApp((s) => s.vplcs);
  const navigate = useApp((s) => s.navigate);
  const list = vplcs.data ?? [];
  const running = list.filter((v) => summaryWord(v) === 'running').length;
  const degraded = list.filter((v) => summaryWord(v) === 'degraded');
  return (
    <section className="card" aria-labelledby="vplc-sum-h">
      <h2 id="vplc-sum-h">vPLCs</h2>
      {!vplcs.data && vplcs.loading ? <Loading what="vPLCs" /> : null}
      {vplcs.error ? <ErrorBox>{vplcs.error}</ErrorBox> : null}
      {vplcs.data && list.length === 0 ? (
        <>
          <p className="muted">No vPLCs yet. Create one here or from the cloud console.</p>
          <button type="button" className="primary" onClick={() => navigate('create')}>
            Create vPLC
          </button>
        </>
      ) : null}
      {vplcs.data && list.length > 0 ? (
        <>
          <p className="big-number">
            <span>{running}</span> running of {list.length}
            {degraded.length ? <span className="muted small"> ({degraded.length} degraded)</span> : null}
          </p>
          <ul className="chips">
            {list.map((v) => (
              <li key={v.name}>
                <a className="chip" href={routeHash('vplc', v.name)}>
                  <Badge tone={stateTone(summaryWord(v))}>{summaryWord(v)}</Badge> {v.name}
                </a>
              </li>
            ))}
          </ul>
          {degraded.length ? (
            <ul className="warnings" aria-label="Degraded vPLCs">
              {degraded.map((v) => (
                <li key={v.name}>
                  {v.name}: {v.reasons.join('; ')}
                </li>
              ))}
            </ul>
          ) : null}
          <button type="button" className="primary" onClick={() => navigate('create')}>
            Create vPLC
          </button>
        </>
      ) : null}
    </section>
  );
}

export function Dashboard() {
  const [range, setRange] = useState<Range>(3_600);
  const { history, error } = useHostHistory(range);
  const live = useApp((s) => s.hostSamples);
  const [now, setNow] = useState(() => Date.now() / 1000);
  useEffect(() => setNow(Date.now() / 1000), [live]);
  const series = hostSeries(history, live, range, now);
  const last = live[live.length - 1];
  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>Dashboard</h1>
      </header>
      <div className="grid-2">
        <AgentCard />
        <VplcSummaryCard />
      </div>
      <section className="card" aria-labelledby="host-h">
        <div className="card-head">
          <h2 id="host-h">This PC</h2>
          <RangePicker label="History range" range={range} onChange={setRange} />
        </div>
        {error ? <ErrorBox>History is not available: {error}</ErrorBox> : null}
        <div className="grid-3">
          <Chart label="Host CPU" unit="%" max={100} points={series.cpu} />
          <Chart label="Host memory" unit="%" max={100} points={series.memory} {...(last ? { caption: `${gib(last.memory_usage)} of ${gib(last.memory_total)}` } : {})} />
          <Chart label="Host disk" unit="%" max={100} points={series.disk} empty="Disk use is sampled live while this window is open" {...(last ? { caption: `${gib(last.disk_usage)} of ${gib(last.disk_total)}` } : {})} />
        </div>
      </section>
      <SerialDevicesCard />
    </div>
  );
}
