import { linkSync, readFileSync, unlinkSync } from 'node:fs';
import type { z } from 'zod';
import { isErrno } from './atomic.js';

export type Loaded<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'missing' }
  | { kind: 'corrupt'; movedTo: string; reason: string };

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A file's text parsed as JSON and validated. The reason names the failing field; with `secret`, it names only the
 * field and the kind of problem, because zod's message and JSON.parse's message can quote the value.
 */
export function checkJson<T>(text: string, schema: z.ZodType<T>, secret = false): Checked<T> {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    if (!issue) return { ok: false, reason: 'invalid content' };
    const field = issue.path.join('.') || '(root)';
    return { ok: false, reason: `${field}: ${secret ? (issue.code === 'invalid_type' ? 'wrong type or missing' : 'invalid value') : issue.message}` };
  } catch (err) {
    return { ok: false, reason: secret ? 'not JSON' : `not JSON: ${(err as Error).message}` };
  }
}

/** Issue codes whose zod message is built from the schema alone (never from the input). */
const SCHEMA_WORDED = new Set(['invalid_type', 'too_small', 'too_big', 'invalid_format', 'not_multiple_of', 'invalid_value', 'invalid_union', 'invalid_element', 'invalid_key']);

type Def = { type: string; [k: string]: unknown };
const defOf = (s: unknown): Def | null => {
  const def = (s as { _zod?: { def?: unknown } } | null)?._zod?.def;
  return def && typeof (def as Def).type === 'string' ? (def as Def) : null;
};
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/**
 * An issue's path in the schema's own names: a record's key (which comes from the input) shows as `*`, and the rest
 * of a path the walk cannot follow in the schema as `…`.
 */
function schemaPath(schema: unknown, at: readonly PropertyKey[]): string {
  const out: string[] = [];
  let s: unknown = schema;
  for (const key of at) {
    let def = defOf(s);
    while (def && WRAPPERS.has(def.type)) def = defOf(def.innerType);
    if (def?.type === 'object' && typeof key === 'string' && Object.hasOwn(def.shape as object, key)) {
      out.push(key);
      s = (def.shape as Record<string, unknown>)[key];
    } else if (def?.type === 'array' && typeof key === 'number') {
      out.push(String(key));
      s = def.element;
    } else if (def?.type === 'record') {
      out.push('*');
      s = def.valueType;
    } else {
      out.push('…');
      break;
    }
  }
  return out.join('.') || '(root)';
}

/**
 * Like `checkJson` for a file anyone may have named (any file on the host): the reason names the field by the schema's
 * own keys and never quotes the text, neither a value, a key of the input nor JSON.parse's excerpt.
 */
export function checkUntrustedJson<T>(text: string, schema: z.ZodType<T>): Checked<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  if (!issue) return { ok: false, reason: 'invalid content' };
  return { ok: false, reason: `${schemaPath(schema, issue.path)}: ${SCHEMA_WORDED.has(issue.code) ? issue.message : 'invalid value'}` };
}

/** The corrupt-file name `<file>.corrupt-<unix-ts>`, with `.1`, `.2`… when taken: an earlier copy is never overwritten. */
export function corruptName(file: string, nowSeconds: number, n: number): string {
  const base = `${file}.corrupt-${nowSeconds}`;
  return n === 0 ? base : `${base}.${n}`;
}

/** Moves `file` aside under `corruptName` (link, then unlink: never onto an existing name); returns where. */
export function quarantineSync(file: string, nowSeconds: number): string {
  for (let n = 0; ; n++) {
    const target = corruptName(file, nowSeconds, n);
    try {
      linkSync(file, target);
      unlinkSync(file);
      return target;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
  }
}

/**
 * Reads a small JSON file synchronously (for state needed before anything else runs). A file that does not parse or
 * validate is moved aside, never overwritten with defaults. `beforeRead` runs first; its ENOENT also means missing.
 */
export function loadJsonFileSync<T>(
  file: string,
  schema: z.ZodType<T>,
  o: { nowSeconds: () => number; secret?: boolean; beforeRead?: () => void },
): Loaded<T> {
  let text: string;
  try {
    o.beforeRead?.();
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { kind: 'missing' };
    throw err;
  }
  const checked = checkJson(text, schema, o.secret);
  if (checked.ok) return { kind: 'ok', value: checked.value };
  return { kind: 'corrupt', movedTo: quarantineSync(file, o.nowSeconds()), reason: checked.reason };
}
