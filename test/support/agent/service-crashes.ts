// A child process for test/integration/agent/service-crashes.int.test.ts: the real agent (createAgent) with its three
// workers as in-process services, each the real worker class, wrapped only to take one more op, `test.crash`, that
// makes an error escape from inside that service (a timer that throws, a promise nobody awaits that rejects, a throw in
// a socket's data callback). The process's fatal handlers are the product's own. One JSON line per step on stdout.
//   args: <data dir> <lock name> <internal pool> <mtls dir>      env VPLC_CRASH_SCENARIO: services | agent
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createAgent } from '../../../electron/core/agent.js';
import { loadConfig } from '../../../electron/core/headless.js';
import { LogHub } from '../../../electron/core/logging/log-hub.js';
import { createLogger } from '../../../electron/core/logging/logger.js';
import type { ServiceLoaders } from '../../../electron/core/supervisor/in-process.js';
import { installFatalHandlers } from '../../../electron/lib/process/fatal.js';
import type { WorkerName } from '../../../electron/lib/protocol/messages.js';
import type { OpTable, WorkerImpl } from '../../../electron/lib/worker/host.js';
import { CloudlinkWorker } from '../../../electron/workers/cloudlink/worker.js';
import { NetmonWorker } from '../../../electron/workers/netmon/worker.js';
import { OrchestratorWorker } from '../../../electron/workers/orchestrator/worker.js';

export type CrashHow = 'throw' | 'reject' | 'socket';

const say = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

/** Makes an error escape from the calling context: the op returns first, the error comes later, from a callback. */
function escapeLater(how: CrashHow, what: string): void {
  if (how === 'throw') {
    setTimeout(() => {
      throw new Error(`${what}: thrown in a timer`);
    }, 10);
  } else if (how === 'reject') {
    setTimeout(() => void Promise.reject(new Error(`${what}: rejected, never awaited`)), 10);
  } else {
    const server = net.createServer((c) => c.end('x')).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const socket = net.connect(port, '127.0.0.1');
      socket.on('data', () => {
        socket.destroy();
        server.close();
        throw new Error(`${what}: thrown in a socket callback`);
      });
    });
  }
}

const starts: Record<WorkerName, number> = { netmon: 0, orchestrator: 0, cloudlink: 0 };

function wrapped(name: WorkerName, make: () => WorkerImpl): () => Promise<WorkerImpl> {
  return () => {
    starts[name]++;
    const real = make();
    const handle = Object.assign(
      (op: string, input: unknown): Promise<unknown> => {
        if (op !== 'test.crash') return real.handle(op, input);
        escapeLater(input as CrashHow, `injected crash in ${name}`);
        return Promise.resolve('armed');
      },
      { ops: [...real.handle.ops, 'test.crash'] },
    ) as unknown as OpTable;
    return Promise.resolve({ start: (c, api) => real.start(c, api), stop: (ms) => real.stop(ms), handle });
  };
}

const services: ServiceLoaders = {
  netmon: wrapped('netmon', () => new NetmonWorker()),
  orchestrator: wrapped('orchestrator', () => new OrchestratorWorker()),
  cloudlink: wrapped('cloudlink', () => new CloudlinkWorker()),
};

/** What each service answers to an op of its own: it runs and messages reach it. */
const ASK: Record<WorkerName, string> = { netmon: 'netmon.snapshot', orchestrator: 'agent.info', cloudlink: 'link.stats' };

/** The `ip monitor` processes this process runs (netmon's monitor; a crashed netmon must not leave its old one). */
function monitors(): number {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('monitor');
    } catch {
      return false;
    }
  }).length;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const [dataDir, lockName, pool, mtlsDir] = process.argv.slice(2) as [string, string, string, string];
  const fatal = installFatalHandlers(process, { name: 'service-crashes', exit: (code) => process.exit(code), stderr: (t) => void process.stderr.write(t) });
  const { config, store } = await loadConfig(['--cloud-url', 'https://127.0.0.1:9', '--mtls-dir', mtlsDir, '--ui-port', '0', '--no-metrics', '--data-dir', dataDir, '--lock-name', lockName, '--internal-pool', pool]);
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(dataDir, 'logs', 'agent.log'), level: 'info', hub: logHub });
  fatal.attach((msg, data) => log.error(msg, data));
  const crashReports: string[] = [];
  logHub.subscribe((batch) => crashReports.push(...batch.filter((l) => l.level === 'error' && l.msg.includes('service crashed')).map((l) => l.msg)));
  const agent = createAgent({ config, log, logHub, settings: store, fatal, services, sampleUsage: false });
  await agent.start();
  const health = (): Record<string, { state: string; crashes: number }> =>
    Object.fromEntries(agent.supervisor.health().map((h) => [h.name, { state: h.state.kind, crashes: h.crashesTotal ?? 0 }]));
  const allRunning = async (what: string): Promise<void> => {
    for (let i = 0; i < 300; i++) {
      if (Object.values(health()).every((h) => h.state === 'running')) return;
      await pause(100);
    }
    throw new Error(`not all services running (${what}): ${JSON.stringify(health())}`);
  };
  await allRunning('after start');
  say({ step: 'started', config: config.workers, starts: { ...starts }, health: health(), monitors: monitors() });
  if (process.env.VPLC_CRASH_SCENARIO === 'agent') {
    // The agent's own code, outside every service: the process must end as before (exit 70).
    setTimeout(() => {
      throw new Error('injected fault in the agent itself');
    }, 10);
    await pause(10_000);
    say({ step: 'still alive' });
    return;
  }
  for (const how of ['throw', 'reject', 'socket'] as const) {
    for (const name of ['netmon', 'orchestrator', 'cloudlink'] as const) {
      const before = { ...starts };
      const armed = await agent.supervisor.request(name, 'test.crash', how, 5_000);
      // The crash ends the service; wait until the supervisor saw it, then until it runs again.
      for (let i = 0; i < 100 && agent.supervisor.health().find((h) => h.name === name)?.state.kind === 'running'; i++) await pause(50);
      const during = health();
      await allRunning(`after ${how} in ${name}`);
      const answers = Object.fromEntries(
        await Promise.all((['netmon', 'orchestrator', 'cloudlink'] as const).map(async (w) => [w, (await agent.supervisor.request(w, ASK[w], {}, 10_000)).ok] as const)),
      );
      say({ step: 'crashed', how, name, armed, before, after: { ...starts }, during, health: health(), answers, monitors: monitors() });
    }
  }
  await agent.stop(10_000);
  await pause(500);
  say({ step: 'done', crashReports, monitors: monitors() });
  process.exit(0);
}

void main().catch((err: unknown) => {
  process.stderr.write(`service-crashes: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
