// The PLC core: status word, start/stop answers, the loaded program (persisted) and per-task timing statistics.
// Stats are computed when asked for, from the time elapsed since start (no timer runs while nobody looks): one 10 ms
// task TASK0, scan_count = elapsed / 10 ms, min/max since start, averages a moving average over about 2 s (200 scans),
// all reset on each start. Figures are in microseconds, like the real runtime's.
import { readFileSync } from 'node:fs';

const PERIOD_US = 10_000;
const AVG_WINDOW_SCANS = 200;
const MAX_SAMPLES_PER_QUERY = 64;

/** True when the soft "Max realtime priority" limit of this process is above 0 (SCHED_FIFO would be allowed). */
export function realtimeAllowed(limitsText) {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return false;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('Max realtime priority'));
  const soft = line?.slice('Max realtime priority'.length).trim().split(/\s+/)[0];
  return soft === 'unlimited' || Number(soft) > 0;
}

const rand = (lo, hi) => lo + Math.random() * (hi - lo);

function freshStats(now) {
  return { startedAt: now, scanCount: 0, overruns: 0, scan: null, cycle: null, latency: null };
}

function fold(acc, samples, weight) {
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  if (!acc) return { min: Math.min(...samples), max: Math.max(...samples), avg: mean };
  return {
    min: Math.min(acc.min, ...samples),
    max: Math.max(acc.max, ...samples),
    avg: acc.avg + (mean - acc.avg) * weight,
  };
}

// Advances the simulated task to `now`: draws a bounded number of samples for the scans that happened meanwhile.
function advance(stats, now) {
  const due = Math.floor(((now - stats.startedAt) * 1000) / PERIOD_US);
  const n = due - stats.scanCount;
  if (n <= 0) return;
  const k = Math.min(n, MAX_SAMPLES_PER_QUERY);
  const scan = [];
  const latency = [];
  const cycle = [];
  for (let i = 0; i < k; i++) {
    scan.push(Math.random() < 0.02 ? rand(20, 60) : rand(3, 12));
    const late = Math.random() < 0.01 ? rand(500, 3000) : rand(20, 150);
    latency.push(late);
    cycle.push(PERIOD_US + late - rand(20, 150));
  }
  const weight = Math.min(1, n / AVG_WINDOW_SCANS);
  stats.scan = fold(stats.scan, scan, weight);
  stats.latency = fold(stats.latency, latency, weight);
  if (stats.scanCount + n > 1) stats.cycle = fold(stats.cycle, cycle, weight);
  stats.scanCount = due;
}

const int = (acc, key) => (acc ? Math.round(acc[key]) : 0);

function taskView(stats) {
  return {
    name: 'TASK0',
    scan_count: stats.scanCount,
    overruns: stats.overruns,
    scan_time_min: int(stats.scan, 'min'),
    scan_time_avg: int(stats.scan, 'avg'),
    scan_time_max: int(stats.scan, 'max'),
    cycle_time_min: int(stats.cycle, 'min'),
    cycle_time_avg: int(stats.cycle, 'avg'),
    cycle_time_max: int(stats.cycle, 'max'),
    cycle_latency_min: int(stats.latency, 'min'),
    cycle_latency_avg: int(stats.latency, 'avg'),
    cycle_latency_max: int(stats.latency, 'max'),
  };
}

export function createPlc({ state, runtimeLog, autostartMs, realtime, now = () => Date.now() }) {
  let status = 'EMPTY';
  let stats = null;
  let crashedUntil = 0;
  let crashTimer = null;

  const persist = (running) => {
    state.data.running = running;
    state.save();
  };

  function noProgram(what) {
    runtimeLog.error('No libplc_*.so file found in ./build');
    runtimeLog.error('Failed to find libplc file');
    runtimeLog.error(what);
  }

  function run() {
    runtimeLog.info('Loading PLC application');
    runtimeLog.info('PLC State: INIT');
    if (!realtime) runtimeLog.error('sched_setscheduler failed: Operation not permitted');
    runtimeLog.info('Starting main loop');
    runtimeLog.info('PLC State: RUNNING');
    runtimeLog.info('PLC base tick: 10000000 ns across 1 task(s)');
    runtimeLog.info('Spawned 1 PLC task thread(s)');
    if (!realtime) runtimeLog.warning('[task TASK0] SCHED_FIFO(1) failed: Operation not permitted — running default scheduling');
    status = 'RUNNING';
    stats = freshStats(now());
    persist(true);
  }

  function halt() {
    if (stats) advance(stats, now());
    runtimeLog.info(`[task TASK0] stopped after ${stats?.scanCount ?? 0} ticks`);
    runtimeLog.info('Stopping 1 PLC task thread(s)');
    runtimeLog.info('PLC program unloaded successfully');
    runtimeLog.info('PLC State: STOPPED');
    status = 'STOPPED';
    stats = null;
  }

  return {
    /** At process start: a loaded program that was running runs again after `autostartMs`, as in the real image. */
    boot() {
      runtimeLog.info('Starting PLC runtime core...');
      if (!state.data.program) {
        noProgram('Failed to set PLC state to RUNNING');
        return;
      }
      if (!state.data.running) {
        status = 'STOPPED';
        return;
      }
      status = 'INIT';
      setTimeout(() => {
        if (status === 'INIT') run();
      }, autostartMs).unref();
    },
    statusWord: () => (now() < crashedUntil ? 'STATUS:ERROR\n' : `STATUS:${status}`),
    timingStats() {
      if (status !== 'RUNNING' || !stats || now() < crashedUntil) return { tasks: [] };
      advance(stats, now());
      return { tasks: [taskView(stats)] };
    },
    start() {
      if (status === 'RUNNING') {
        runtimeLog.error('Received START command but PLC is already RUNNING');
        return 'START:ERROR_ALREADY_RUNNING';
      }
      if (!state.data.program) noProgram('State transition to RUNNING failed');
      else run();
      return 'START:OK';
    },
    stop() {
      if (status !== 'RUNNING') {
        runtimeLog.error(`Received STOP command but PLC is ${status}`);
        return 'STOP:ERROR';
      }
      halt();
      persist(false);
      return 'STOP:OK';
    },
    /** A compiled program replaces the loaded one and starts. */
    load(program) {
      if (status === 'RUNNING') halt();
      state.data.program = program;
      run();
    },
    /** Test switch: the core crashes and the runtime restarts it; STATUS:ERROR (with its newline) for `ms`. */
    crash(ms) {
      runtimeLog.error('PLC core process exited unexpectedly (stand-in crash switch), restarting it');
      crashedUntil = now() + ms;
      clearTimeout(crashTimer);
      crashTimer = setTimeout(() => {
        runtimeLog.info('Starting PLC runtime core...');
        if (status === 'RUNNING') stats = freshStats(now());
      }, ms);
      crashTimer.unref();
    },
    /** Test switch: `count` scans of every task ended after the next scheduled start. */
    injectOverruns(count) {
      if (status !== 'RUNNING' || !stats) return false;
      advance(stats, now());
      stats.overruns += count;
      const long = PERIOD_US + rand(1000, 5000);
      stats.cycle = fold(stats.cycle, [PERIOD_US * 2], 0);
      stats.scan = fold(stats.scan, [long], 0);
      return true;
    },
    /**
     * For the debug interface: `{ run, tick }` while the program runs (`run` is new on every start, `tick` is the scan
     * count, the same as /api/status's scan_count), else null (the runtime answers status 83).
     */
    debugTick() {
      if (status !== 'RUNNING' || !stats || now() < crashedUntil) return null;
      return { run: stats, tick: Math.floor(((now() - stats.startedAt) * 1000) / PERIOD_US) };
    },
    info: () => ({ status, program: state.data.program, running: state.data.running, crashed: now() < crashedUntil }),
  };
}
