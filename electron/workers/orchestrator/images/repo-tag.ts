/** A `repository:tag` reference split in two; no tag means `latest`, as Docker reads it. */
export function splitRepoTag(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repository: ref, tag: 'latest' };
}

/** Docker Hub names as the engine prints them: `docker.io/library/x` is `x`, `docker.io/a/b` is `a/b`. */
export function normalizeRepository(repo: string): string {
  let r = repo.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  if (r !== repo) r = r.replace(/^library\//, '');
  return r;
}

export const sameRepository = (a: string, b: string): boolean => normalizeRepository(a) === normalizeRepository(b);
