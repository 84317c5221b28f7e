/** One step `vN → vN+1` over the raw JSON; steps never see a parsed object, so they survive schema changes. */
export type Migration = { from: number; migrate(raw: Record<string, unknown>): Record<string, unknown> };

/** The settings history. Version 1 is the first released shape, so there is nothing to migrate yet. */
export const MIGRATIONS: readonly Migration[] = [];

export type MigrationResult =
  | { kind: 'current'; raw: Record<string, unknown>; migratedFrom?: number }
  | { kind: 'newer'; raw: Record<string, unknown>; version: number }
  | { kind: 'invalid'; reason: string };

/** Brings a raw settings object to `target`, step by step. A file from a newer app is reported, never downgraded. */
export function migrate(raw: unknown, target: number, steps: readonly Migration[] = MIGRATIONS): MigrationResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'invalid', reason: 'settings must be a JSON object' };
  // Every field is optional, `version` too: a file without it (even `{}`) is written for the current version.
  let cur = 'version' in raw ? (raw as Record<string, unknown>) : { ...(raw as Record<string, unknown>), version: target };
  const version = cur.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) return { kind: 'invalid', reason: 'version: must be a non-negative integer' };
  if (version > target) return { kind: 'newer', raw: cur, version };
  for (let v = version; v < target; v++) {
    const step = steps.find((s) => s.from === v);
    if (!step) return { kind: 'invalid', reason: `version: no migration from ${v} to ${v + 1}` };
    cur = { ...step.migrate(cur), version: v + 1 };
  }
  return version === target ? { kind: 'current', raw: cur } : { kind: 'current', raw: cur, migratedFrom: version };
}
