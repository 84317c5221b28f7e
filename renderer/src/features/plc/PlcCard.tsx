import { useRef, useState } from 'react';
import type { PlcView } from '../../../../shared/domain/plc';
import { errorText } from '../../api/client';
import { ActionResult, Badge, ConfirmDialog } from '../../components/ui';
import { When } from '../../components/When';
import { useApi } from '../../store/context';
import { CredentialsForm } from './CredentialsForm';
import { PlcLogs } from './PlcLogs';
import { ProgramUpload } from './ProgramUpload';
import { ScanCharts, TaskTable } from './ScanCycle';
import { connectionText, plcBadge } from './words';

type Confirm = 'start' | 'stop' | 'forget';
type Outcome = { ok: boolean; text: string } | null;

const CONFIRM: Record<Confirm, { title: string; text: string; label: string; danger: boolean }> = {
  start: { title: 'Start the PLC program?', text: 'The runtime starts running its loaded program: the outputs it drives come alive. The container is not touched.', label: 'Start PLC', danger: false },
  stop: { title: 'Stop the PLC program?', text: 'The PLC program stops and its outputs are no longer driven; the container keeps running.', label: 'Stop PLC', danger: true },
  forget: { title: 'Forget the runtime credentials?', text: 'The agent deletes the stored user name and password of this runtime: PLC state, scan-cycle figures and PLC actions stop until you give them again. The runtime itself is not changed.', label: 'Forget', danger: true },
};

/** Without credentials: what is missing and why, the form to give them, and the runtime's first user on request. */
function NotConnected({ name, onDone }: { name: string; onDone(o: Outcome): void }) {
  const [create, setCreate] = useState(false);
  return (
    <>
      <p>
        Not connected. The PLC state, the scan-cycle figures, starting and stopping the PLC program and uploading a program all need this runtime's user name and password. They stay on this PC (readable only by the agent) and are never sent to the cloud.
      </p>
      <CredentialsForm name={name} mode="set" onDone={onDone} />
      {create ? (
        <section aria-labelledby="plc-create-h">
          <h3 id="plc-create-h">Create the runtime's first user</h3>
          <p className="muted small">The runtime accepts this only once, while it has no user at all; after that it refuses, and you give that user's credentials above.</p>
          <CredentialsForm name={name} mode="create" onDone={onDone} />
        </section>
      ) : (
        <p>
          <button type="button" onClick={() => setCreate(true)}>
            The runtime has no user yet: create its first user…
          </button>
        </p>
      )}
    </>
  );
}

function Facts({ plc }: { plc: PlcView }) {
  const badge = plcBadge(plc.connection, plc.status, plc.fault_since);
  return (
    <dl className="facts">
      <dt>PLC status</dt>
      <dd>
        <Badge tone={badge.tone}>{badge.text}</Badge>
        {plc.status && plc.connection === 'connected' && badge.text !== plc.status ? <span className="muted small"> runtime says {plc.status}</span> : null}
      </dd>
      <dt>Program</dt>
      <dd>{plc.program_loaded === null ? 'unknown' : plc.program_loaded ? 'loaded' : 'none loaded'}</dd>
      <dt>Connection</dt>
      <dd>{connectionText(plc.connection, plc.error)}</dd>
      <dt>Runtime user</dt>
      <dd className="mono">{plc.username ?? '—'}</dd>
      <dt>Last answer</dt>
      <dd>{plc.checked_at ? <When at={plc.checked_at} /> : '—'}</dd>
      <dt>Change rule</dt>
      <dd>{plc.change_rule_reason}</dd>
    </dl>
  );
}

/** The PLC inside a vPLC (docs/plc.md): its state, credentials, actions, scan cycle, program and log. */
export function PlcCard({ name, plc, onChanged }: { name: string; plc: PlcView | undefined; onChanged(): void }) {
  const api = useApi();
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const [busy, setBusy] = useState<Confirm | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  // Saving or forgetting credentials swaps the form for the connected view (or back): focus goes to the card's heading,
  // whose outcome line is announced, instead of being lost with the removed form.
  const heading = useRef<HTMLHeadingElement>(null);
  const credentialsDone = (o: Outcome): void => {
    setOutcome(o);
    heading.current?.focus();
    onChanged();
  };

  const run = async (action: Confirm): Promise<void> => {
    setConfirm(null);
    setBusy(action);
    setOutcome(null);
    if (action === 'forget') {
      const r = await api.call('plc:clear-credentials', { name, confirm: true });
      setBusy(null);
      setOutcome(r.ok ? { ok: true, text: 'Credentials forgotten.' } : { ok: false, text: errorText(r.error) });
      heading.current?.focus();
      return onChanged();
    }
    const r = await api.call(action === 'start' ? 'plc:start' : 'plc:stop', { name, confirm: true });
    setBusy(null);
    setOutcome(r.ok ? { ok: r.value.ok, text: `${r.value.message} (the runtime answered ${r.value.answer})` } : { ok: false, text: errorText(r.error) });
    onChanged();
  };

  const badge = plc ? plcBadge(plc.connection, plc.status, plc.fault_since) : null;
  const connected = plc?.connection === 'connected';
  return (
    <section className="card plc-card" aria-labelledby="plc-h">
      <div className="card-head">
        <h2 id="plc-h" ref={heading} tabIndex={-1}>
          PLC {badge ? <Badge tone={badge.tone}>{badge.text}</Badge> : null}
        </h2>
        {plc && plc.connection !== 'not_connected' ? (
          <div className="actions" role="group" aria-label="PLC actions">
            <button type="button" onClick={() => setConfirm('start')} disabled={!connected || !!busy || plc.status === 'RUNNING'}>
              {busy === 'start' ? 'Starting PLC…' : 'Start PLC'}
            </button>
            <button type="button" onClick={() => setConfirm('stop')} disabled={!connected || !!busy || plc.status !== 'RUNNING'}>
              {busy === 'stop' ? 'Stopping PLC…' : 'Stop PLC'}
            </button>
            <button type="button" onClick={() => setConfirm('forget')} disabled={!!busy}>
              Forget credentials
            </button>
          </div>
        ) : null}
      </div>
      <ActionResult result={outcome} />
      {!plc ? <p className="muted">This agent does not report the PLC inside its vPLCs.</p> : null}
      {plc?.connection === 'not_connected' ? <NotConnected name={name} onDone={credentialsDone} /> : null}
      {plc && plc.connection !== 'not_connected' ? (
        <>
          {plc.status === 'ERROR' || plc.fault_since ? (
            <p className="state state-error" role="alert">
              <span>
                PLC fault
                {plc.fault_since ? (
                  <>
                    {' '}
                    since <When at={plc.fault_since} />
                  </>
                ) : null}
                : the runtime reports its PLC core crashed and is restarting it, while the container keeps running.
              </span>
            </p>
          ) : null}
          <Facts plc={plc} />
          {plc.connection === 'auth_failed' ? (
            <section aria-labelledby="plc-renew-h">
              <h3 id="plc-renew-h">Give new credentials</h3>
              <CredentialsForm name={name} mode="set" onDone={credentialsDone} />
            </section>
          ) : null}
          <h3 id="plc-tasks-h">Tasks</h3>
          <TaskTable tasks={plc.tasks} realtime={plc.realtime} />
          <ScanCharts name={name} />
          <ProgramUpload name={name} onDone={onChanged} connected={connected} />
          <PlcLogs name={name} />
        </>
      ) : null}
      {confirm ? (
        <ConfirmDialog title={CONFIRM[confirm].title} confirmLabel={CONFIRM[confirm].label} danger={CONFIRM[confirm].danger} onConfirm={() => void run(confirm)} onCancel={() => setConfirm(null)}>
          <p>
            <strong>{name}</strong>: {CONFIRM[confirm].text}
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
