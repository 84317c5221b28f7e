import type Docker from 'dockerode';
import { tar } from '../../../lib/archive/tar.js';
import type { Executor } from '../exec/executor.js';
import { isConflict, isNotFound } from '../docker/errors.js';
import { Label, LABEL_PREFIX } from '../docker/labels.js';
import { engineMachine } from './elf.js';
import { findHostIptables, XTABLES_LIBDIR, type HostIptables } from './iptables.js';
import { findBusybox, helperHash, helperRootfs, type Busybox } from './rootfs.js';

export const HELPER_REPO = 'vplc-orchestrator/helper';
const ROLE = 'helper-image';
const HASH_LABEL = `${LABEL_PREFIX}helper-hash`;


type Log = { info(msg: string, data?: Record<string, unknown>): void; warn(msg: string, data?: Record<string, unknown>): void };

export type HelperImageOptions = {
  /** For reads; every write (import, removal) goes through the executor. */
  docker: Docker;
  exec: Pick<Executor, 'run'>;
  busyboxCandidates: readonly string[];
  log: Log;
  /** Tests use their own repository so they never touch the product's image. */
  repo?: string;
  /** Where the host's iptables is looked for (helper-image/iptables.ts); tests may name none. */
  iptablesCandidates?: readonly string[];
};

/**
 * The namespace helper image, built by the agent from a local static busybox (`docker import`) and never pulled
 * (docs/decisions.md "Nothing the agent runs for itself is pulled"). It is tagged with the content hash of its rootfs,
 * so a changed busybox gives a new tag; images of older hashes are removed once no container uses them.
 *
 * INVARIANTS
 * - `image()` resolves to a reference that exists on the engine and carries our labels, or rejects with the reason.
 * - Concurrent callers share one build; a failed build is retried by the next call.
 */
/** Where the namespace helpers' image comes from: built by the agent, or a local image the user named. */
export type HelperImageSource = { image(): Promise<string> };

/** A user-named helper image: used when it is on the engine, never pulled. */
export class NamedHelperImage implements HelperImageSource {
  constructor(
    private readonly docker: Docker,
    private readonly ref: string,
  ) {}

  async image(): Promise<string> {
    try {
      await this.docker.getImage(this.ref).inspect();
      return this.ref;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      throw new Error(`the helper image ${this.ref} (setting orchestrator.helperImage) is not on this Docker engine and is never pulled: load it, or remove the setting so the agent builds its own from busybox`, { cause: err });
    }
  }
}

export class HelperImage implements HelperImageSource {
  private pending: Promise<string> | null = null;
  private readonly repo: string;

  constructor(private readonly o: HelperImageOptions) {
    this.repo = o.repo ?? HELPER_REPO;
  }

  /**
   * The built image, checked to be still on the engine at each use: an image no container uses can be removed under
   * us (`docker image prune -a`, another agent's pruning of builds other than its own), and is then built again.
   */
  image(): Promise<string> {
    const cached = this.pending;
    if (!cached) return this.start();
    return cached.then(async (ref) => ((await this.present(ref)) ? ref : this.pending === cached ? this.start() : (this.pending ?? this.start())));
  }

  private start(): Promise<string> {
    const run = this.ensure().catch((err: unknown) => {
      if (this.pending === run) this.pending = null;
      throw err;
    });
    this.pending = run;
    return run;
  }

  private async present(ref: string): Promise<boolean> {
    try {
      await this.o.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      return !isNotFound(err);
    }
  }

  private async ensure(): Promise<string> {
    const bb = await findBusybox(this.o.busyboxCandidates);
    const engineArch = engineMachine(((await this.o.docker.info()) as { Architecture?: string }).Architecture ?? '');
    if (engineArch && bb.machine !== engineArch) throw new Error(`${bb.path} is built for ${bb.machine}, the Docker engine runs ${engineArch}`);
    const ipt = await findHostIptables(this.o.iptablesCandidates);
    if ('missing' in ipt) this.o.log.warn('the helper image carries no iptables: FORWARD rules of WiFi vNICs will be skipped', { why: ipt.missing });
    const iptables = 'found' in ipt ? ipt.found : undefined;
    const hash = helperHash(bb, iptables);
    const ref = `${this.repo}:${hash}`;
    if (!(await this.isOurs(ref, hash))) await this.build(bb, iptables, ref, hash);
    await this.pruneOthers(hash);
    return ref;
  }

  private async isOurs(ref: string, hash: string): Promise<boolean> {
    try {
      const labels = (await this.o.docker.getImage(ref).inspect()).Config?.Labels ?? {};
      return labels[Label.managed] === 'true' && labels[Label.role] === ROLE && labels[HASH_LABEL] === hash;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  private async build(bb: Busybox, iptables: HostIptables | undefined, ref: string, hash: string): Promise<void> {
    const started = Date.now();
    const [repo, tag] = [ref.slice(0, ref.lastIndexOf(':')), hash];
    const changes = [`LABEL ${Label.managed}=true ${Label.role}=${ROLE} ${HASH_LABEL}=${hash}`, 'ENV PATH=/bin', `ENV XTABLES_LIBDIR=${XTABLES_LIBDIR}`, 'CMD ["sh"]'];
    const from = iptables ? `${bb.path} and ${iptables.binary}` : bb.path;
    await this.o.exec.run({ kind: 'import-image', archive: tar(helperRootfs(bb, iptables), 0), repo, tag, changes, by: 'agent', reason: `namespace helper image from ${from}` });
    if (!(await this.isOurs(ref, hash))) throw new Error(`docker import did not produce ${ref}`);
    this.o.log.info('namespace helper image built from the local busybox', { image: ref, busybox: bb.path, applets: bb.applets.length, iptables: iptables ? `${iptables.binary} (${iptables.backend})` : null, ms: Date.now() - started });
  }

  /** Older builds of ours go once no container uses them; the engine refuses the removal of one in use. */
  private async pruneOthers(hash: string): Promise<void> {
    const images = await this.o.docker.listImages({ filters: { label: [`${Label.managed}=true`, `${Label.role}=${ROLE}`] } });
    for (const img of images) {
      const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      const mine = tags.every((t) => t.startsWith(`${this.repo}:`));
      if (img.Labels?.[HASH_LABEL] === hash || !mine) continue;
      try {
        await this.o.exec.run({ kind: 'remove-image', image: img.Id, by: 'agent', reason: 'older namespace helper image' });
        this.o.log.info('old namespace helper image removed', { id: img.Id, tags });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) this.o.log.warn('old namespace helper image not removed', { id: img.Id, err: (err as Error).message });
      }
    }
  }
}
