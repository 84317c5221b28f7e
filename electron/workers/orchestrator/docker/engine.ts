import Docker from 'dockerode';
import { dockerMessage, isNotFound } from './errors.js';
import { isOwn } from './labels.js';
import type { PullProgress } from '../../../../shared/domain/operations.js';
import { PullTracker, throttledProgress } from '../images/pull-progress.js';
import { hostHelperSpec, netnsHelperSpec, type HostHelperOptions } from '../spec/netns-helper.js';
import type { HelperOps } from './script-helper.js';
import { WARM_HELPER_CAPABILITIES, WarmHostHelper } from './warm-host-helper.js';

/** Numeric comparison of Docker API versions; the reference compared strings, so "1.9" >= "1.44" came out true. */
export function apiAtLeast(version: string, wanted: string): boolean {
  const a = version.split('.').map((n) => Number.parseInt(n, 10));
  const b = wanted.split('.').map((n) => Number.parseInt(n, 10));
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The least time between two pull progress updates that only move bytes. */
export const PULL_PROGRESS_INTERVAL_MS = 250;

export type HelperResult = { exitCode: number; stdout: string; stderr: string };

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
export function demuxLogs(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i];
    const size = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + size);
    (stream === 2 ? err : out).push(chunk);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export type EngineInfo = { apiVersion: string; perEndpointMac: boolean; liveRestore: boolean; cgroupVersion: string };

/** The container steps of the warm host helper: like one-shot helpers, it is this wrapper that writes them. */
function helperOps(docker: Docker): HelperOps {
  return {
    create: async (spec) => (await docker.createContainer(spec)).id,
    start: async (id) => {
      await docker.getContainer(id).start();
    },
    remove: (id) =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        }),
  };
}

/** Thin wrapper over dockerode with the facts the orchestrator needs about the engine. */
export class Engine {
  readonly docker: Docker;
  private info?: EngineInfo;
  private infoAt = 0;
  /** Keeps one NET_RAW host helper up between ARP probes (docker/warm-host-helper.ts); off unless given an idle time. */
  private readonly warm: WarmHostHelper | null;
  /** Helpers whose removal failed while they may still run (lifecycle/helper-sweep.ts removes them). */
  private readonly leftovers = new Set<string>();

  constructor(docker?: Docker, options: { warmHostHelperIdleMs?: number; warn?: (msg: string, data: Record<string, unknown>) => void } = {}) {
    this.docker = docker ?? new Docker();
    const idleMs = options.warmHostHelperIdleMs ?? 0;
    this.warm = idleMs > 0 ? new WarmHostHelper(this.docker, helperOps(this.docker), idleMs, options.warn) : null;
  }

  /**
   * A helper container that may still run and could not be removed (the engine was away): a MAC helper that lost its
   * attach stream cannot be told through stdin. The next helper sweep (after the outage) removes it.
   */
  noteLeftoverHelper(id: string): void {
    this.leftovers.add(id);
  }

  /** The helpers noted by `noteLeftoverHelper` since the last call; each is handed out once. */
  takeLeftoverHelpers(): string[] {
    const ids = [...this.leftovers];
    this.leftovers.clear();
    return ids;
  }

  /** Lets the warm host helper exit; one-shot helpers still run afterwards. */
  close(): void {
    this.warm?.close();
  }

  /**
   * The engine's facts, read once; `fresh` reads them again (after an engine restart), `maxAgeMs` when older than
   * that (live-restore can change with a reload).
   */
  async describe(options: { fresh?: boolean; maxAgeMs?: number } = {}): Promise<EngineInfo> {
    const stale = options.fresh || (options.maxAgeMs !== undefined && performance.now() - this.infoAt > options.maxAgeMs);
    if (this.info && !stale) return this.info;
    const [version, info] = await Promise.all([this.docker.version(), this.docker.info() as Promise<Record<string, unknown>>]);
    const apiVersion = version.ApiVersion;
    this.info = {
      apiVersion,
      // Below API 1.44 the engine ignores a MAC given per endpoint (measured on 20.10 / 1.41).
      perEndpointMac: apiAtLeast(apiVersion, '1.44'),
      liveRestore: info.LiveRestoreEnabled === true,
      cgroupVersion: typeof info.CgroupVersion === 'string' ? info.CgroupVersion : '1',
    };
    this.infoAt = performance.now();
    return this.info;
  }

  async inspectContainer(idOrName: string): Promise<Docker.ContainerInspectInfo | null> {
    try {
      return await this.docker.getContainer(idOrName).inspect();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /**
   * The container named exactly `name`, or null. Docker also resolves ID prefixes (and a leading `/`), so a name that
   * happens to prefix another container's ID must not find that container.
   */
  async inspectNamed(name: string): Promise<Docker.ContainerInspectInfo | null> {
    if (name === '' || name.startsWith('/')) return null;
    const info = await this.inspectContainer(name);
    return info && info.Name === `/${name}` ? info : null;
  }

  /** The vPLC `name` of this installation: exactly that name and our managed + instance labels, else null. */
  async resolveVplc(name: string, instance: string): Promise<Docker.ContainerInspectInfo | null> {
    const info = await this.inspectNamed(name);
    return info && isOwn(info.Config.Labels, instance, 'vplc') ? info : null;
  }

  async inspectNetwork(idOrName: string): Promise<Docker.NetworkInspectInfo | null> {
    try {
      return (await this.docker.getNetwork(idOrName).inspect()) as Docker.NetworkInspectInfo;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Pulls an image; rejects when the pull stalls for `stallMs` without a message from the engine, or when the stream
   * carries the engine's error. `onProgress` gets the layer and byte totals, at most every
   * {@link PULL_PROGRESS_INTERVAL_MS} unless a layer count changed, and the final state at the end.
   */
  async pull(ref: string, stallMs: number, onProgress?: (p: PullProgress) => void): Promise<void> {
    const stream = await this.docker.pull(ref);
    const tracker = new PullTracker();
    const progress = onProgress ? throttledProgress(onProgress, PULL_PROGRESS_INTERVAL_MS, () => performance.now()) : null;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!err) {
          progress?.flush();
          resolve();
          return;
        }
        (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
        reject(err);
      };
      const onStall = (): void => settle(new Error(`pull of ${ref} made no progress for ${Math.round(stallMs / 1000)} s`));
      let timer = setTimeout(onStall, stallMs);
      followPull(this.docker, stream, settle, (message) => {
        if (settled) return;
        clearTimeout(timer);
        timer = setTimeout(onStall, stallMs);
        try {
          tracker.add(message);
        } catch (err) {
          settle(err as Error);
          return;
        }
        progress?.push(tracker.snapshot());
      });
    });
  }

  /**
   * Runs a short-lived helper container in another container's network namespace
   * (NET_ADMIN/NET_RAW only, read-only rootfs) and returns its output. No host root is needed.
   */
  async runInNetns(targetId: string, image: string, script: string, labels: Record<string, string>, timeoutMs = 20_000): Promise<HelperResult> {
    return this.runHelper(netnsHelperSpec({ image, target: targetId, cmd: ['sh', '-c', script], labels }), timeoutMs);
  }

  /**
   * Runs a short-lived helper in the host's network namespace with only the capabilities given (e.g. NET_RAW for an
   * ARP probe on a parent interface): docs/decisions.md "Host-network helpers".
   */
  runOnHost(image: string, script: string, labels: Record<string, string>, capabilities: readonly string[], timeoutMs = 20_000): Promise<HelperResult> {
    const oneShot = (): Promise<HelperResult> => this.runHelper(hostHelperSpec({ image, cmd: ['sh', '-c', script], labels, capabilities }), timeoutMs);
    const warmEnough = capabilities.length === WARM_HELPER_CAPABILITIES.length && capabilities.every((c) => WARM_HELPER_CAPABILITIES.includes(c));
    return this.warm && warmEnough ? this.warm.run(image, script, labels, timeoutMs, oneShot) : oneShot();
  }

  /**
   * A one-shot host helper with the namespaces and rights of one step (spec/netns-helper.ts `HostHelperOptions`):
   * dedicated-NIC moves, proxy-ARP bridges, host sysctls. The script is one of ours with validated arguments.
   */
  runHostStep(o: Omit<HostHelperOptions, 'cmd' | 'autoRemove'> & { script: string; timeoutMs?: number }): Promise<HelperResult> {
    const { script, timeoutMs, ...rest } = o;
    return this.runHelper(hostHelperSpec({ ...rest, cmd: ['sh', '-c', script] }), timeoutMs ?? 20_000);
  }

  private async runHelper(spec: Docker.ContainerCreateOptions, timeoutMs: number): Promise<HelperResult> {
    const helper = await this.docker.createContainer(spec);
    try {
      await helper.start();
      const waited = await Promise.race([
        helper.wait() as Promise<{ StatusCode: number }>,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`helper timed out after ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
      const logs = (await helper.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      return { exitCode: waited.StatusCode, ...demuxLogs(logs) };
    } finally {
      await helper.remove({ force: true }).catch(() => undefined);
    }
  }
}

function followPull(docker: Docker, stream: NodeJS.ReadableStream, done: (err: Error | null) => void, onMessage: (message: unknown) => void): void {
  docker.modem.followProgress(stream, (err: Error | null) => done(err), onMessage);
}

export { dockerMessage };
