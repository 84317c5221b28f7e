/** Paths of `raw` that parsing dropped: keys the schema does not know (so the producer sends more than it declares). */
export function droppedPaths(raw: unknown, parsed: unknown, at = ''): string[] {
  if (Array.isArray(raw)) return Array.isArray(parsed) ? raw.flatMap((r, i) => droppedPaths(r, parsed[i], `${at}[${i}]`)) : [];
  if (raw === null || typeof raw !== 'object' || parsed === null || typeof parsed !== 'object') return [];
  return Object.entries(raw).flatMap(([k, v]) => (k in parsed ? droppedPaths(v, (parsed as Record<string, unknown>)[k], at ? `${at}.${k}` : k) : [at ? `${at}.${k}` : k]));
}
