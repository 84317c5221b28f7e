const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?/)?${COMPONENT}(?:/${COMPONENT})*$`);

/**
 * Why `ref` is not a bare image repository, or null. The runtime repository carries no tag and no digest: the tag is
 * the runtime version, chosen per vPLC, so a tag here would be accepted at start and fail at every create.
 */
export function repositoryProblem(ref: string): string | null {
  if (ref.includes('@')) return `"${ref}" carries a digest; give the repository only, e.g. "${ref.slice(0, ref.indexOf('@'))}" (the tag is the runtime version of each vPLC)`;
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  if (colon > 0) return `"${ref}" carries a tag; give the repository only, e.g. "${ref.slice(0, colon)}" (the tag is the runtime version of each vPLC)`;
  if (!REPOSITORY.test(ref)) return `"${ref}" is not an image repository name (lowercase letters, digits and . _ - separators, optionally after a registry host)`;
  return null;
}
