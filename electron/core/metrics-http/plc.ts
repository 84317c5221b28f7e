import type { PlcView } from '../../../shared/domain/plc.js';
import { PlcStatusWord } from '../../../shared/domain/plc.js';
import type { Metric } from './format.js';

type WithPlc = { name: string; plc: PlcView };

/** The runtime reports microseconds; Prometheus wants base units. */
const seconds = (us: number): number => us / 1e6;

const FIGURES = [
  ['scan_time', 'Execution time of one scan'],
  ['cycle_time', 'Time from one scan start to the next'],
  ['cycle_latency', 'Start-time jitter against the ideal schedule'],
] as const;

/**
 * The PLC families of /metrics (docs/plc.md "Polling"): for every vPLC whose runtime the agent has credentials for,
 * whether it answers, its status word, and per IEC task the scan-cycle figures and counters.
 */
export function plcMetrics(vplcs: WithPlc[]): Metric[] {
  const known = vplcs.filter((v) => v.plc.connection !== 'not_connected');
  const read = known.filter((v) => v.plc.status !== null);
  const tasks = read.flatMap((v) => v.plc.tasks.map((t) => ({ labels: { vplc: v.name, task: t.name }, t })));
  const m: Metric[] = [
    { name: 'vplc_plc_up', help: "The vPLC's runtime answered the agent's last poll (only vPLCs with runtime credentials).", type: 'gauge', samples: known.map((v) => ({ labels: { vplc: v.name }, value: v.plc.connection === 'connected' ? 1 : 0 })) },
    {
      name: 'vplc_plc_status',
      help: "The PLC's last status word (1 for the current one).",
      type: 'gauge',
      samples: read.flatMap((v) => PlcStatusWord.options.map((s) => ({ labels: { vplc: v.name, status: s }, value: s === v.plc.status ? 1 : 0 }))),
    },
  ];
  for (const [key, what] of FIGURES) {
    for (const stat of ['avg', 'max'] as const) {
      m.push({
        name: `vplc_plc_${key}_${stat}_seconds`,
        help: `${what}, ${stat === 'avg' ? 'moving average' : 'maximum since the PLC started'}, per task.`,
        type: 'gauge',
        samples: tasks.map(({ labels, t }) => ({ labels, value: seconds(t[key][stat]) })),
      });
    }
  }
  m.push(
    { name: 'vplc_plc_overruns_total', help: 'Scans that ended after the next scheduled start, per task, since the PLC started.', type: 'counter', samples: tasks.map(({ labels, t }) => ({ labels, value: t.overruns })) },
    { name: 'vplc_plc_scan_count_total', help: 'Scans run per task since the PLC started.', type: 'counter', samples: tasks.map(({ labels, t }) => ({ labels, value: t.scan_count })) },
  );
  return m;
}
