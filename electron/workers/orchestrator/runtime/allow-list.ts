/**
 * The `run_command` path rules (docs/cloud-hardening.md, "run_command"): a path that could mean something else
 * to the runtime than to the allow-list is refused before anything is compared, and the list compares whole path
 * segments, so `/api` allows `/api` and `/api/x` but never `/api2` or `/api-admin`.
 */
import type { AllowListEntry } from './types.js';

/** Why a raw `api` path is refused (before URL normalisation), or null when it is acceptable. */
export function unsafePathReason(api: string): string | null {
  const path = api.split(/[?#]/, 1)[0] ?? '';
  if (path.includes('\\')) return "the path must not contain '\\'";
  if (/%(2f|5c)/i.test(path)) return "the path must not contain an encoded '/' or '\\'";
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'the path has a malformed percent-encoding';
    }
    if (decoded === '.' || decoded === '..') return "the path must not contain '.' or '..' segments";
  }
  return null;
}

/** `/api/` and `/api` are the same prefix; `/` (or empty) matches every path. */
function normalisedPrefix(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}

/** Whether `path` (already normalised, starting with `/`) lies under `prefix`, comparing whole segments. */
export function underPrefix(path: string, prefix: string): boolean {
  const p = normalisedPrefix(prefix);
  return p === '' || path === p || path.startsWith(`${p}/`);
}

/** Whether one of the entries allows `method` on `path` at `port`; an absent list allows everything. */
export function allowListAllows(list: readonly AllowListEntry[] | undefined, method: string, path: string, port: number): boolean {
  if (list === undefined) return true;
  return list.some(
    (e) =>
      (e.method === undefined || e.method.toUpperCase() === method) &&
      (e.ports === undefined || e.ports.includes(port)) &&
      underPrefix(path, e.pathPrefix),
  );
}
