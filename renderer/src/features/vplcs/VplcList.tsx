import type { Output } from '../../../../shared/api/contract';
import { Sparkline } from '../../components/Chart';
import { Badge, Empty, ErrorBox, Loading, stateTone, Table } from '../../components/ui';
import { useApp } from '../../store/context';
import { routeHash } from '../../store/route';
import { RuntimeImages } from '../images/RuntimeImages';
import { useVplcMetrics } from './useVplcMetrics';
import { formatClock, summaryWord } from './status';
import { plcBadge } from '../plc/words';
import { dedicatedMarker } from '../hostnic/host-nic';

function Row({ v }: { v: Output<'vplc:list'>[number] }) {
  const { cpu } = useVplcMetrics(v.name, 3_600, 60_000);
  const shown = summaryWord(v);
  const plc = plcBadge(v.plc_connection, v.plc_status);
  const nic = v.dedicated_nic ? dedicatedMarker(v.dedicated_nic, v.running) : null;
  return (
    <tr>
      <th scope="row">
        <a href={routeHash('vplc', v.name)}>{v.name}</a>
        {nic ? (
          <span className="small" title={nic.title}>
            {' '}
            <Badge tone={nic.tone}>{nic.text}</Badge>
          </span>
        ) : null}
      </th>
      <td>
        <Badge tone={stateTone(shown)}>{shown}</Badge>
        {shown === 'degraded' && v.reasons.length ? <span className="muted small"> {v.reasons.join('; ')}</span> : null}
        {v.desired_state && v.desired_state !== (v.running ? 'running' : 'stopped') ? <span className="muted small"> wanted: {v.desired_state}</span> : null}
        {v.restart_suspended && v.restarts_resume_at ? <span className="muted small"> restarts resume {formatClock(v.restarts_resume_at)}</span> : null}
      </td>
      <td>
        <Badge tone={plc.tone}>{plc.text}</Badge>
      </td>
      <td className="mono">{v.internal_ip ?? '—'}</td>
      <td>
        <Sparkline label={`CPU of ${v.name}, last hour`} points={cpu} />
      </td>
    </tr>
  );
}

export function VplcList() {
  const vplcs = useApp((s) => s.vplcs);
  const refresh = useApp((s) => s.refreshVplcs);
  const navigate = useApp((s) => s.navigate);
  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>vPLCs</h1>
        <button type="button" className="primary" onClick={() => navigate('create')}>
          Create vPLC
        </button>
      </header>
      {vplcs.error ? <ErrorBox onRetry={() => void refresh()}>{vplcs.error}</ErrorBox> : null}
      {!vplcs.data && vplcs.loading ? <Loading what="vPLCs" /> : null}
      {vplcs.data && vplcs.data.length === 0 ? (
        <Empty>
          <p>No vPLCs on this PC yet.</p>
          <p className="muted">Create one here, or from the cloud console once this PC is enrolled.</p>
        </Empty>
      ) : null}
      {vplcs.data && vplcs.data.length > 0 ? (
        <Table label="vPLCs" columns={['Name', 'State', 'PLC', 'Internal IP', 'CPU (1 h)']}>
          {vplcs.data.map((v) => (
            <Row key={v.name} v={v} />
          ))}
        </Table>
      ) : null}
      <RuntimeImages />
    </div>
  );
}
