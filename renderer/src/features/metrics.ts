import type { Output } from '../../../shared/api/contract';
import type { Point } from '../components/Chart';
import type { HostSample } from '../store/app';

export type Range = 3_600 | 86_400 | 172_800;
export const RANGES: Array<{ seconds: Range; label: string }> = [
  { seconds: 3_600, label: '1 h' },
  { seconds: 86_400, label: '24 h' },
  { seconds: 172_800, label: '48 h' },
];

type History = Output<'metrics:history'>;

/** History from the agent's rings, continued by the live samples that arrived since (no duplicates, in time order). */
export function hostSeries(history: History | undefined, live: HostSample[], range: Range, nowSec: number): { cpu: Point[]; memory: Point[]; disk: Point[] } {
  const from = nowSec - range;
  const cpu: Point[] = (history?.cpu ?? []).flatMap((p) => (p.cpu === undefined ? [] : [{ t: p.timestamp, v: p.cpu }]));
  const lastHist = cpu.length ? cpu[cpu.length - 1]!.t : -Infinity;
  const newer = live.filter((s) => s.ts > lastHist && s.ts >= from);
  const inRange = (p: Point): boolean => p.t >= from;
  const memTotal = live[live.length - 1]?.memory_total;
  // History keeps MiB used; the total comes with the live samples, so the percentage waits for the first one.
  const memHist: Point[] = memTotal ? (history?.memory ?? []).flatMap((p) => (p.memory === undefined ? [] : [{ t: p.timestamp, v: (p.memory / 1024 / memTotal) * 100 }])) : [];
  return {
    cpu: [...cpu, ...newer.map((s) => ({ t: s.ts, v: s.cpu_usage }))].filter(inRange),
    memory: [...memHist, ...newer.map((s) => ({ t: s.ts, v: s.memory_total ? (s.memory_usage / s.memory_total) * 100 : 0 }))].filter(inRange),
    disk: live.filter((s) => s.ts >= from).map((s) => ({ t: s.ts, v: s.disk_total ? (s.disk_usage / s.disk_total) * 100 : 0 })),
  };
}

export const gib = (v: number): string => `${v.toFixed(1)} GiB`;
