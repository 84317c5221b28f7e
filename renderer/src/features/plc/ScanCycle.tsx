import { useState } from 'react';
import type { PlcHistoryPoint, PlcStat, PlcTaskView } from '../../../../shared/domain/plc';
import { Chart } from '../../components/Chart';
import { ErrorBox, Table } from '../../components/ui';
import type { Range } from '../metrics';
import { RangePicker } from '../RangePicker';
import { usePolledCall } from '../usePolledCall';
import { formatMicros, microsSeries } from './words';

const stat = (s: PlcStat): string => `${formatMicros(s.min)} / ${formatMicros(s.avg)} / ${formatMicros(s.max)}`;

/** Per IEC task: scan time, cycle time and cycle latency (jitter) as min / avg / max, and the overruns. */
export function TaskTable({ tasks, realtime }: { tasks: PlcTaskView[]; realtime: boolean | null }) {
  if (tasks.length === 0) return <p className="muted">No task figures yet: the runtime reports them while a program runs.</p>;
  return (
    <>
      <Table label="Scan cycle per task (min / avg / max)" columns={['Task', 'Scan time', 'Cycle time', 'Cycle latency (jitter)', 'Overruns', 'Scans']}>
        {tasks.map((t) => (
          <tr key={t.name}>
            <th scope="row" className="mono">
              {t.name}
            </th>
            <td className="nowrap">{stat(t.scan_time)}</td>
            <td className="nowrap">{stat(t.cycle_time)}</td>
            <td className="nowrap">{stat(t.cycle_latency)}</td>
            <td>{t.overruns}</td>
            <td>{t.scan_count}</td>
          </tr>
        ))}
      </Table>
      {realtime === false ? (
        <p className="notice" role="note">
          No real-time scheduling on this host: expect millisecond jitter.
        </p>
      ) : null}
      <p className="muted small">Min and max since the PLC started; avg over about the last 2 s.</p>
    </>
  );
}

const NO_POINTS: PlcHistoryPoint[] = [];

/** A vPLC's scan-cycle history from the agent over `seconds`, refreshed every `everyMs` (like its CPU and memory). */
export function usePlcHistory(name: string, seconds: number, everyMs: number): { points: PlcHistoryPoint[]; error?: string } {
  const { value, error } = usePolledCall('plc:history', { name, seconds }, everyMs);
  return { points: value ?? NO_POINTS, ...(error === undefined ? {} : { error }) };
}

type Series = 'scan_avg' | 'scan_max' | 'latency_avg' | 'latency_max';
const CHARTS: Array<{ key: Series; label: string }> = [
  { key: 'scan_avg', label: 'Scan time, avg' },
  { key: 'scan_max', label: 'Scan time, max' },
  { key: 'latency_avg', label: 'Cycle latency, avg' },
  { key: 'latency_max', label: 'Cycle latency, max' },
];

/** Live scan-cycle charts of the first task over the same windows as the usage charts. */
export function ScanCharts({ name }: { name: string }) {
  const [range, setRange] = useState<Range>(3_600);
  const { points, error } = usePlcHistory(name, range, 15_000);
  const task = points[points.length - 1]?.task;
  return (
    <div className="plc-charts">
      <div className="card-head">
        <h3 id="plc-charts-h">Scan cycle{task ? ` of task ${task}` : ''}</h3>
        <RangePicker label="Scan cycle history range" range={range} onChange={setRange} />
      </div>
      {error ? <ErrorBox>Scan-cycle history is not available: {error}</ErrorBox> : null}
      <div className="plc-chart-grid">
        {CHARTS.map((c) => {
          const s = microsSeries(points.map((p) => ({ t: p.timestamp, v: p[c.key] })));
          return <Chart key={c.key} label={`${c.label} of ${name}`} unit={s.unit} points={s.points} empty="Sampled at each poll while the PLC answers" />;
        })}
      </div>
    </div>
  );
}
