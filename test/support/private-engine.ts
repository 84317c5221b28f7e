import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';

/**
 * A second dockerd of the test's own (own data root, exec root, socket, daemon.json and default bridge; no iptables),
 * so a test may stop, restart and reconfigure its engine without disturbing the suites that share the machine's
 * engine. Images are copied in from the machine's engine (`docker save | docker load`): nothing is pulled.
 * Its default bridge is a bridge of the test's own: a dockerd started with `--bridge=none` deletes the host's `docker0`
 * link (the machine engine's default network) at start, which broke every other suite.
 */
export type PrivateEngine = {
  root: string;
  socketPath: string;
  /** Docker's configuration file of this engine (the live-restore fix writes here). */
  configFile: string;
  docker: Docker;
  /** dockerd's PID while it runs. */
  pid(): number | null;
  start(): Promise<void>;
  /** SIGTERM, then waits for the daemon to exit (its shutdown stops the containers unless live-restore is on). */
  stop(): Promise<void>;
  /** SIGHUP: dockerd reloads daemon.json (live-restore among the reloadable options). */
  reload(): void;
  dispose(): Promise<void>;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `bridgeCidr`: the private engine's default bridge, host address first (e.g. 198.19.250.1/24), inside 198.18.0.0/15. */
export async function startPrivateEngine(run: string, images: string[], bridgeCidr: string): Promise<PrivateEngine> {
  // Short: the socket path must fit in sun_path (108 bytes).
  const root = `/tmp/vpd-${run}`;
  mkdirSync(root, { recursive: true });
  const socketPath = path.join(root, 'docker.sock');
  const configFile = path.join(root, 'daemon.json');
  if (!existsSync(configFile)) writeFileSync(configFile, '{}\n');
  const bridge = `vpd${run}`.slice(0, 15);
  const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'ignore' });
  try {
    ip('link', 'del', bridge);
  } catch {
    // not there
  }
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', bridgeCidr, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  const docker = new Docker({ socketPath });
  let child: ChildProcess | null = null;
  let logFd = 0;

  const ping = (): Promise<boolean> =>
    docker.ping().then(
      () => true,
      () => false,
    );

  const engine: PrivateEngine = {
    root,
    socketPath,
    configFile,
    docker,
    pid: () => child?.pid ?? null,
    async start() {
      const logFile = path.join(root, 'dockerd.log');
      logFd = (await import('node:fs')).openSync(logFile, 'a');
      child = spawn(
        'dockerd',
        [
          '--data-root', path.join(root, 'data'),
          '--exec-root', path.join(root, 'exec'),
          '--pidfile', path.join(root, 'dockerd.pid'),
          '--host', `unix://${socketPath}`,
          '--config-file', configFile,
          `--bridge=${bridge}`,
          '--iptables=false',
          '--ip-masq=false',
        ],
        { stdio: ['ignore', logFd, logFd] },
      );
      const deadline = Date.now() + 60_000;
      while (!(await ping())) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`private dockerd did not answer: ${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`);
        }
        await sleep(100);
      }
      // info answers once the daemon has restored its containers and networks.
      await docker.info();
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGTERM');
      await Promise.race([exited, sleep(60_000).then(() => c.kill('SIGKILL'))]);
      child = null;
    },
    reload() {
      child?.kill('SIGHUP');
    },
    async dispose() {
      if (child && child.exitCode === null) {
        for (const c of await docker.listContainers({ all: true }).catch(() => [])) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
        for (const n of await docker.listNetworks().catch(() => [])) {
          if (!['bridge', 'host', 'none'].includes(n.Name)) await docker.getNetwork(n.Id).remove().catch(() => undefined);
        }
        // Without live-restore the shutdown leaves nothing running behind.
        writeFileSync(configFile, '{}\n');
        engine.reload();
        await engine.stop();
      }
      try {
        execSync(`grep -o ' ${root}/[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l`, { stdio: 'ignore' });
      } catch {
        // nothing mounted
      }
      rmSync(root, { recursive: true, force: true });
      try {
        ip('link', 'del', bridge);
      } catch {
        // already gone
      }
    },
  };

  await engine.start();
  // Copy the images in from the machine's engine.
  execSync(`docker save ${images.map((i) => `'${i}'`).join(' ')} | docker -H 'unix://${socketPath}' load -q`, { stdio: ['ignore', 'ignore', 'pipe'] });
  return engine;
}

/** Whether dockerd can be started here (root and the binary present). */
export function canRunPrivateEngine(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('dockerd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
