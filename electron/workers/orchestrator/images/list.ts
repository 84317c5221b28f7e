import type { RuntimeImage } from '../../../../shared/domain/runtime-images.js';
import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import { normalizeRepository, sameRepository, splitRepoTag } from './repo-tag.js';

type ListContext = Pick<OrchestratorContext, 'engine' | 'store' | 'settings'>;

/**
 * The local images of the configured runtime repository, one row per tag, with the vPLCs that use each: those whose
 * container runs that image, and those whose desired record names it (a stopped or not yet created vPLC).
 */
export async function listRuntimeImages(ctx: ListContext): Promise<RuntimeImage[]> {
  const repo = ctx.settings.runtimeRepo;
  const d = ctx.engine.docker;
  const [images, containers] = await Promise.all([
    d.listImages({ filters: { reference: [normalizeRepository(repo)] } }),
    d.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') }),
  ]);
  const usersById = new Map<string, Set<string>>();
  const add = (key: string, vplc: string): void => {
    const set = usersById.get(key) ?? new Set<string>();
    set.add(vplc);
    usersById.set(key, set);
  };
  for (const c of containers) {
    const name = c.Labels[Label.vplc];
    if (name) add(c.ImageID, name);
  }
  for (const name of ctx.store.desiredNames()) {
    const ref = ctx.store.getDesired(name)?.runtime_image;
    if (ref) add(ref, name);
  }
  const rows: RuntimeImage[] = [];
  for (const img of images) {
    for (const ref of img.RepoTags ?? []) {
      const { repository, tag } = splitRepoTag(ref);
      if (!sameRepository(repository, repo)) continue;
      const users = new Set([...(usersById.get(img.Id) ?? []), ...(usersById.get(ref) ?? []), ...(usersById.get(`${repo}:${tag}`) ?? [])]);
      rows.push({ repository, tag, id: img.Id, size: img.Size, created: new Date(img.Created * 1000).toISOString(), usedBy: [...users].sort() });
    }
  }
  return rows.sort((a, b) => b.created.localeCompare(a.created) || a.tag.localeCompare(b.tag));
}
