import { statfs } from 'node:fs/promises';
import { z } from 'zod';
import type { OrchestratorContext } from '../context.js';
import { runtimeImageRef } from '../create/image.js';
import { dockerMessage } from '../docker/errors.js';

export const UPDATE_WARNING = 'update';
export const ROLLBACK_TAG_PREFIX = 'vplc-rollback-';

export type UpdateCheck = {
  vplc: string;
  result: 'not-enabled' | 'registry-unreachable' | 'up-to-date' | 'already-known' | 'pulled' | 'disk-full' | 'failed';
  detail?: string;
};

const Distribution = z.object({ Descriptor: z.object({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) }) });
const shortId = (id: string): string => id.replace(/^sha256:/, '').slice(0, 12);

/**
 * EXTEND auto_update: follows the registry digest of each opted-in vPLC's runtime tag. A new digest is pulled (after a
 * disk-space check), the image the vPLC runs is kept under a rollback tag, and the update is recorded as pending; the
 * reconcile loop applies it inside the vPLC's change window and rolls it back if the new container does not become
 * healthy. An unreachable registry is normal on a plant network: it is only logged at debug level.
 */
export class ImageUpdater {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<UpdateCheck[]> | null = null;

  constructor(
    private readonly ctx: OrchestratorContext,
    /** True while no update may start (self-destruct). */
    private readonly paused: () => boolean = () => false,
  ) {}

  start(intervalMs = this.ctx.settings.updates.checkMs): void {
    this.timer ??= setInterval(() => void this.checkAll(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  checkAll(): Promise<UpdateCheck[]> {
    if (this.paused()) return Promise.resolve([]);
    this.running ??= (async () => {
      const out: UpdateCheck[] = [];
      for (const name of this.ctx.store.desiredNames()) out.push(await this.check(name));
      return out;
    })().finally(() => (this.running = null));
    return this.running;
  }

  async check(name: string): Promise<UpdateCheck> {
    const { ctx } = this;
    const d = ctx.store.getDesired(name);
    if (!d?.auto_update || !d.spec || d.tombstone) return { vplc: name, result: 'not-enabled' };
    const ref = runtimeImageRef(ctx.settings.runtimeRepo, d.spec.runtimeVersion);
    let digest: string;
    try {
      digest = Distribution.parse(await ctx.engine.docker.getImage(ref).distribution()).Descriptor.digest;
    } catch (err) {
      ctx.log.debug('update check: registry not reachable', { vplc: name, ref, err: dockerMessage(err) });
      return { vplc: name, result: 'registry-unreachable', detail: dockerMessage(err) };
    }
    if (d.image_update?.digest === digest) return { vplc: name, result: 'already-known' };
    try {
      const running = (await ctx.engine.resolveVplc(name, ctx.store.installationId))?.Image;
      if (!running) return { vplc: name, result: 'up-to-date', detail: 'no container yet' };
      const local = await ctx.engine.docker.getImage(ref).inspect().catch(() => null);
      const repo = ref.slice(0, ref.lastIndexOf(':'));
      if (local?.Id === running && (local.RepoDigests ?? []).includes(`${repo}@${digest}`)) return { vplc: name, result: 'up-to-date' };
      const lowOnDisk = await this.lowOnDisk();
      if (lowOnDisk) {
        ctx.warnings.set(name, UPDATE_WARNING, `update to ${digest.slice(0, 19)} not pulled: ${lowOnDisk}`);
        return { vplc: name, result: 'disk-full', detail: lowOnDisk };
      }
      await ctx.engine.pull(ref, ctx.settings.pullStallMs);
      const pulled = (await ctx.engine.docker.getImage(ref).inspect()).Id;
      const at = new Date().toISOString();
      if (pulled === running) {
        await ctx.store.patchDesired(name, { image_update: { digest, from_image: running, to_image: pulled, phase: 'applied', at } });
        return { vplc: name, result: 'up-to-date' };
      }
      await ctx.exec.run({ kind: 'tag-image', image: running, repo: ctx.settings.runtimeRepo, tag: `${ROLLBACK_TAG_PREFIX}${shortId(running)}`, vplc: name, by: 'update', reason: `keep the image to roll back to from ${digest.slice(0, 19)}` });
      await ctx.store.patchDesired(name, { image_update: { digest, from_image: running, to_image: pulled, phase: 'pending', at } });
      ctx.warnings.set(name, UPDATE_WARNING, `runtime update ${digest.slice(0, 19)} is ready; it is applied in the vPLC's change window (the vPLC stopped, or with runtime credentials its PLC program stopped, or a confirm)`);
      ctx.log.info('runtime update pulled', { vplc: name, digest, from: shortId(running), to: shortId(pulled) });
      ctx.emit({ kind: 'changed', name, reason: 'update-pending' });
      return { vplc: name, result: 'pulled', detail: digest };
    } catch (err) {
      ctx.log.warn('update check failed', { vplc: name, err: dockerMessage(err) });
      return { vplc: name, result: 'failed', detail: dockerMessage(err) };
    }
  }

  /** Null when there is room; otherwise why not. A Docker root this process cannot see is not a reason to refuse. */
  private async lowOnDisk(): Promise<string | null> {
    const min = this.ctx.settings.updates.minFreeDiskMb;
    if (min === 0) return null;
    try {
      const root = z.object({ DockerRootDir: z.string() }).parse(await this.ctx.engine.docker.info()).DockerRootDir;
      const fs = await statfs(root);
      const freeMb = Math.floor((fs.bavail * fs.bsize) / (1024 * 1024));
      return freeMb < min ? `only ${freeMb} MiB free under ${root}, ${min} MiB needed` : null;
    } catch {
      return null;
    }
  }

  /**
   * After a successful update: removes our rollback tags that no vPLC can need any more. Never touches another tag,
   * an image a container uses, or the image a pending or applied update would roll back to.
   */
  async pruneRollbackTags(): Promise<string[]> {
    const { ctx } = this;
    const needed = new Set<string>();
    for (const n of ctx.store.desiredNames()) {
      const d = ctx.store.getDesired(n);
      if (d?.runtime_image) needed.add(d.runtime_image);
      if (d?.image_update) needed.add(d.image_update.from_image).add(d.image_update.to_image);
    }
    for (const c of await ctx.engine.docker.listContainers({ all: true })) needed.add(c.ImageID);
    const prefix = `${ctx.settings.runtimeRepo}:${ROLLBACK_TAG_PREFIX}`;
    const removed: string[] = [];
    for (const img of await ctx.engine.docker.listImages()) {
      for (const tag of (img.RepoTags ?? []).filter((t) => t.startsWith(prefix))) {
        if (needed.has(img.Id)) continue;
        try {
          await ctx.exec.run({ kind: 'remove-image', image: tag, by: 'update', reason: 'rollback image no vPLC needs' });
          removed.push(tag);
        } catch (err) {
          ctx.log.warn('could not remove an old rollback image', { tag, err: dockerMessage(err) });
        }
      }
    }
    if (removed.length) ctx.log.info('pruned runtime images no vPLC needs', { removed });
    return removed;
  }
}
