/**
 * RSS and CPU of a process together with all its descendants (the agent spawns helpers such as `flock` for its host
 * lock), read from /proc. A descendant that exits inside a window is still counted: its CPU moves into its parent's
 * cutime/cstime when reaped, and both the live times (schedstat, ns) and the reaped children's times (ticks) are summed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds, rssMb, threadCpuSeconds, type IdleCost } from './agent-harness.js';

const CLK_TCK = 100;

function statFields(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? null;
  } catch {
    return null;
  }
}

/** `pid` and every live descendant. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [pid];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    out.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

const safe = (f: () => number): number => {
  try {
    return f();
  } catch {
    return 0;
  }
};

/** User + system CPU seconds of the tree, including children it has reaped. */
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    const f = statFields(p);
    if (!f) continue;
    total += safe(() => cpuSeconds(p)) + (Number(f[13]) + Number(f[14])) / CLK_TCK;
  }
  return total;
}

export const treeRssMb = (pid: number): number => processTree(pid).reduce((a, p) => a + safe(() => rssMb(p)), 0);

/** Like `idleCost`, over the whole process tree of `pid`; also how many processes the tree had at the end. */
export async function treeIdleCost(pid: number, seconds: number): Promise<IdleCost & { processes: number }> {
  const c0 = treeCpuSeconds(pid);
  const start = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (Date.now() - start) / 1000;
  const cpu = treeCpuSeconds(pid) - c0;
  return { rss: treeRssMb(pid), cpuPercent: (cpu / wall) * 100, cpuSeconds: cpu, seconds: wall, processes: processTree(pid).length };
}

/** One thread's counters at one moment: on-CPU seconds (schedstat) and voluntary context switches (≈ wake-ups from a wait). */
export type ThreadSample = { tid: number; cpu: number; wakeups: number };

/** The voluntary context switches in a /proc status text (not the `nonvoluntary_ctxt_switches` line). */
export const voluntarySwitches = (status: string): number => Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);

function readThread(pid: number, tid: number): ThreadSample | null {
  try {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    return { tid, cpu: threadCpuSeconds(pid, tid), wakeups: voluntarySwitches(status) };
  } catch {
    return null;
  }
}

/** Every thread of `pid` (the process's tasks), in thread id order. */
export function threadSamples(pid: number): ThreadSample[] {
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b);
  } catch {
    return [];
  }
  return tids.flatMap((tid) => readThread(pid, tid) ?? []);
}

export type ThreadCost = { tid: number; cpuSeconds: number; wakeupsPerSecond: number };

/** What each thread alive at both ends of a window spent in it; threads started inside the window are left out. */
export function threadCosts(before: readonly ThreadSample[], after: readonly ThreadSample[], seconds: number): ThreadCost[] {
  const start = new Map(before.map((t) => [t.tid, t]));
  return after.flatMap((t) => {
    const s = start.get(t.tid);
    return s ? [{ tid: t.tid, cpuSeconds: t.cpu - s.cpu, wakeupsPerSecond: (t.wakeups - s.wakeups) / seconds }] : [];
  });
}
