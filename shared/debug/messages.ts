/**
 * The cloud-side debug messages (docs/protocol.md §4.11 "Debug messages"; docs/debug.md "Cloud debug messages"):
 * parsed with zod, answered with the protocol's exact error texts. Indexes are flat integers (0–65535) or, as an
 * extension, explicit v4 addresses `{array, element}`.
 */
import { z } from 'zod';
import { HexError, parseHex } from './hex.js';
import { VarAddress, type DebugPath } from './types.js';

export type DebugIndex = number | VarAddress;

export type DebugRequest =
  | { type: 'debug_start'; device_id?: string; credentials?: { username: string; password: string }; port: number }
  | { type: 'debug_get_md5' }
  | { type: 'debug_get_list'; indexes: DebugIndex[] }
  | { type: 'debug_set'; index: DebugIndex; force: boolean; value: Uint8Array }
  | { type: 'debug_info' }
  | { type: 'debug_stop' };

export type ParsedDebugMessage = { ok: true; request: DebugRequest } | { ok: false; error: string };

export const DEFAULT_DEBUG_PORT = 8443;

const FlatIndex = z.number().int().min(0).max(65_535);
const Envelope = z.looseObject({ type: z.unknown().optional() });
const Start = z.looseObject({
  device_id: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
});
const SetFields = z.looseObject({ force: z.boolean().optional(), value: z.string().optional() });

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

function fieldError(err: z.ZodError): string {
  const issue = err.issues[0];
  const where = issue?.path.join('.') ?? '';
  return `Invalid field ${where === '' ? '(message)' : where}: ${issue?.message ?? 'invalid'}`;
}

/** One index: a flat integer, or `{array, element}`; else the protocol's `Invalid index: …` text. */
export function parseIndex(v: unknown): { ok: true; index: DebugIndex } | { ok: false; error: string } {
  const flat = FlatIndex.safeParse(v);
  if (flat.success) return { ok: true, index: flat.data };
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const addr = VarAddress.safeParse(v);
    if (addr.success) return { ok: true, index: addr.data };
    return { ok: false, error: `Invalid index: must be {array: 0–255, element: 0–65535}, got ${shown(v)}` };
  }
  return { ok: false, error: `Invalid index: must be an integer 0–65535, got ${shown(v)}` };
}

function parseStart(m: Record<string, unknown>): ParsedDebugMessage {
  const r = Start.safeParse(m);
  if (!r.success) return { ok: false, error: fieldError(r.error) };
  const { device_id, username, password, port } = r.data;
  if ((username === undefined) !== (password === undefined)) {
    return { ok: false, error: 'Authentication failed: username and password must be given together' };
  }
  return {
    ok: true,
    request: {
      type: 'debug_start',
      ...(device_id === undefined ? {} : { device_id }),
      ...(username !== undefined && password !== undefined ? { credentials: { username, password } } : {}),
      port: port ?? DEFAULT_DEBUG_PORT,
    },
  };
}

function parseGetList(m: Record<string, unknown>): ParsedDebugMessage {
  const raw = m['indexes'];
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return { ok: false, error: 'indexes must not be empty' };
  if (!Array.isArray(raw)) return { ok: false, error: `Invalid index: indexes must be a list, got ${shown(raw)}` };
  const indexes: DebugIndex[] = [];
  for (const v of raw as unknown[]) {
    const one = parseIndex(v);
    if (!one.ok) return one;
    indexes.push(one.index);
  }
  return { ok: true, request: { type: 'debug_get_list', indexes } };
}

function parseSet(m: Record<string, unknown>): ParsedDebugMessage {
  const index = parseIndex(m['index']);
  if (!index.ok) return index;
  const r = SetFields.safeParse(m);
  if (!r.success) {
    const field = r.error.issues[0]?.path[0];
    if (field === 'value') return { ok: false, error: `Invalid value hex string: expected a string, got ${shown(m['value'])}` };
    return { ok: false, error: fieldError(r.error) };
  }
  let value: Uint8Array;
  try {
    value = parseHex(r.data.value ?? '00');
  } catch (err) {
    if (err instanceof HexError) return { ok: false, error: `Invalid value hex string: ${err.message}` };
    throw err;
  }
  return { ok: true, request: { type: 'debug_set', index: index.index, force: r.data.force ?? true, value } };
}

/**
 * One debug message (an object, or a JSON string of one). Never throws: a bad message is `{ok:false, error}` with the
 * protocol's text; an unknown type is worded per path (`Unknown message type: X` over WebRTC and locally,
 * `Unknown debug message type: X` over run_command).
 */
export function parseDebugMessage(raw: unknown, path: DebugPath): ParsedDebugMessage {
  let message = raw;
  if (typeof raw === 'string') {
    try {
      message = JSON.parse(raw) as unknown;
    } catch (err) {
      return { ok: false, error: `Invalid JSON: ${(err as Error).message}` };
    }
  }
  const env = Envelope.safeParse(message);
  if (!env.success || Array.isArray(message)) return { ok: false, error: `Invalid message: expected a JSON object, got ${shown(message)}` };
  const m = env.data;
  switch (m.type) {
    case 'debug_start':
      return parseStart(m);
    case 'debug_get_md5':
    case 'debug_info':
    case 'debug_stop':
      return { ok: true, request: { type: m.type } };
    case 'debug_get_list':
      return parseGetList(m);
    case 'debug_set':
      return parseSet(m);
    default: {
      const t = typeof m.type === 'string' ? m.type : shown(m.type);
      return { ok: false, error: path === 'http' ? `Unknown debug message type: ${t}` : `Unknown message type: ${t}` };
    }
  }
}
