/**
 * The runtime's binary debug protocol (docs/debug.md "Runtime side"), in the two forms the agent meets:
 * - v4 (OpenPLC runtime v4.x): 3-byte addresses `[array u8][element u16 BE]`, INFO `[41][array count][status][count
 *   u16 BE per array]`, GET_MD5 with a 2-byte endianness marker, status `83` when no program is loaded;
 * - legacy (docs/protocol.md §4.11 table): u16 indexes, INFO `[41][count u16]`.
 * Multi-byte header fields are big-endian in both; values are in the runtime's own byte order.
 * Every decode error is an Error whose message is the protocol text the cloud receives. Plain Uint8Array (no Node
 * Buffer): the renderer uses it too.
 */
import type { VarAddress } from './types.js';
import { parseHex } from './hex.js';

export const FC = { INFO: 0x41, SET: 0x42, GET: 0x43, GET_LIST: 0x44, GET_MD5: 0x45 } as const;
export type FunctionCode = (typeof FC)[keyof typeof FC];

export const STATUS_SUCCESS = 0x7e;
const STATUS_NAMES: Readonly<Record<number, string>> = {
  0x7e: 'SUCCESS',
  0x81: 'ERROR_OUT_OF_BOUNDS',
  0x82: 'ERROR_OUT_OF_MEMORY',
  // v4 only: the runtime has no program loaded (or the PLC is stopped).
  0x83: 'ERROR_NO_PROGRAM',
};

export const V4_MAX_LIST = 1024;
export const LEGACY_MAX_LIST = 256;

/** A reply the runtime gave that is not the requested data (a status name, a parser error, a malformed reply). */
export class DebugProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebugProtocolError';
  }
}

const hex2 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `UNKNOWN(${hex2(code)})`;
}

const KNOWN_FCS: ReadonlySet<number> = new Set(Object.values(FC));

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u16 = (b: Uint8Array, at: number): number => view(b).getUint16(at);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes from big-endian fields: `[width, value]` pairs (width 1, 2 or 4). */
function fields(...f: Array<[1 | 2 | 4, number]>): Uint8Array {
  const out = new Uint8Array(f.reduce((n, [w]) => n + w, 0));
  const v = view(out);
  let at = 0;
  for (const [w, value] of f) {
    if (w === 1) v.setUint8(at, value);
    else if (w === 2) v.setUint16(at, value);
    else v.setUint32(at, value);
    at += w;
  }
  return out;
}

// ---- requests ----

export const encodeInfo = (): Uint8Array => Uint8Array.of(FC.INFO);

/** `45 DE AD 00 00`: the runtime echoes the endianness marker's meaning in its reply. */
export const encodeMd5 = (): Uint8Array => Uint8Array.of(FC.GET_MD5, 0xde, 0xad, 0x00, 0x00);

function listHeader(count: number, max: number): Uint8Array {
  if (count < 1 || count > max) throw new DebugProtocolError(`GET_LIST takes 1–${max} entries, got ${count}`);
  return fields([1, FC.GET_LIST], [2, count]);
}

/** v4 GET_LIST: `44 <count u16> (<array u8> <element u16>)…`, 1–1024 entries. */
export function encodeGetListV4(addresses: readonly VarAddress[]): Uint8Array {
  return concat(listHeader(addresses.length, V4_MAX_LIST), ...addresses.map((a) => fields([1, a.array], [2, a.element])));
}

/** Legacy GET_LIST: `44 <count u16> <index u16>…`, 1–256 indexes. */
export function encodeGetListLegacy(indexes: readonly number[]): Uint8Array {
  return concat(listHeader(indexes.length, LEGACY_MAX_LIST), ...indexes.map((i) => fields([2, i])));
}

function setTail(force: boolean, value: Uint8Array): Uint8Array {
  if (value.length > 0xffff) throw new DebugProtocolError(`SET value of ${value.length} bytes is too long`);
  return concat(fields([1, force ? 1 : 0], [2, value.length]), value);
}

/** v4 SET: `42 <array u8> <element u16> <force u8> <len u16> <value…>`. */
export function encodeSetV4(address: VarAddress, force: boolean, value: Uint8Array): Uint8Array {
  return concat(fields([1, FC.SET], [1, address.array], [2, address.element]), setTail(force, value));
}

/** Legacy SET: `42 <index u16> <force u8> <len u16> <value…>`. */
export function encodeSetLegacy(index: number, force: boolean, value: Uint8Array): Uint8Array {
  return concat(fields([1, FC.SET], [2, index]), setTail(force, value));
}

// ---- replies ----

/** The runtime's own parser errors, answered as `success:true` strings instead of hex. */
const PARSER_TEXTS: ReadonlySet<string> = new Set(['ERROR_PARSING', 'ERROR_PROCESSING']);

/**
 * The bytes of one `debug_response` data string, checked to answer `fc`. Throws DebugProtocolError with the runtime's
 * parser text, `too short`, `unknown function code 0xNN` or a mismatch.
 */
export function replyBytes(data: string, fc: FunctionCode): Uint8Array {
  const text = data.trim();
  if (PARSER_TEXTS.has(text)) throw new DebugProtocolError(text);
  let bytes: Uint8Array;
  try {
    bytes = parseHex(text);
  } catch (err) {
    throw new DebugProtocolError((err as Error).message);
  }
  const got = bytes[0] ?? 0;
  if (!KNOWN_FCS.has(got)) throw new DebugProtocolError(`unknown function code ${hex2(got)}`);
  if (got !== fc) throw new DebugProtocolError(`unexpected reply ${hex2(got)} to ${hex2(fc)}`);
  if (bytes.length < 2) throw new DebugProtocolError('too short');
  return bytes;
}

function requireSuccess(status: number): void {
  if (status !== STATUS_SUCCESS) throw new DebugProtocolError(statusName(status));
}

export type InfoReply = { arrays: number[]; legacy: boolean };

/**
 * INFO. v4: `[41][n][status][count u16 BE × n]` (an error is `[41][status]`); legacy: exactly `[41][count u16]`.
 * A 3-byte reply is read as legacy, except `41 00 7E`: that is v4 with no arrays (a legacy count of exactly 126 is
 * the one value the two forms share, and v4 is the runtime met today).
 */
export function decodeInfo(b: Uint8Array): InfoReply {
  if (b.length === 2) {
    requireSuccess(b[1] ?? 0);
    throw new DebugProtocolError('too short');
  }
  if (b.length === 3 && b[1] === 0 && b[2] === STATUS_SUCCESS) return { arrays: [], legacy: false };
  if (b.length === 3) return { arrays: [u16(b, 1)], legacy: true };
  const n = b[1] ?? 0;
  requireSuccess(b[2] ?? 0);
  if (b.length < 3 + 2 * n) throw new DebugProtocolError(`truncated INFO reply: ${n} arrays need ${3 + 2 * n} bytes, got ${b.length}`);
  const arrays: number[] = [];
  for (let i = 0; i < n; i += 1) arrays.push(u16(b, 3 + 2 * i));
  return { arrays, legacy: false };
}

export type Md5Reply = { md5: string; littleEndian: boolean };

/**
 * GET_MD5: `[45][status][md5 ASCII]` then, on v4, the runtime's native store of 0xDEAD (`AD DE`: little-endian). The
 * legacy form ends the ASCII at a NUL; a reply without a marker is taken as little-endian.
 */
export function decodeMd5(b: Uint8Array): Md5Reply {
  requireSuccess(b[1] ?? 0);
  const rest = b.subarray(2);
  let end = 0;
  while (end < rest.length && end < 32 && /[0-9a-fA-F]/.test(String.fromCharCode(rest[end] ?? 0))) end += 1;
  if (end === 0) throw new DebugProtocolError('too short');
  const md5 = String.fromCharCode(...rest.subarray(0, end)).toLowerCase();
  const marker = rest[end] === 0 ? rest.subarray(end + 1, end + 3) : rest.subarray(end, end + 2);
  const bigEndian = marker.length === 2 && marker[0] === 0xde && marker[1] === 0xad;
  return { md5, littleEndian: !bigEndian };
}

export type ValuesReply = { lastIndex: number; tick: number; data: Uint8Array };

/** GET_LIST (and GET): `[fc][status][last u16][tick u32][len u16][values…]`, with the truncation check. */
export function decodeValues(b: Uint8Array): ValuesReply {
  requireSuccess(b[1] ?? 0);
  if (b.length < 10) throw new DebugProtocolError('too short');
  const len = u16(b, 8);
  const data = b.subarray(10);
  if (data.length < len) throw new DebugProtocolError(`truncated values: length says ${len} bytes, got ${data.length}`);
  return { lastIndex: u16(b, 2), tick: view(b).getUint32(4), data: data.slice(0, len) };
}

/** SET: `[42][status]`. */
export function decodeSet(b: Uint8Array): void {
  requireSuccess(b[1] ?? 0);
}
