/**
 * IEC values of the runtime's debug interface (docs/debug.md "Live variables"): decoding the bytes of one variable by
 * its type and size in the runtime's byte order, and encoding what a user typed for forcing. Time types are 8-byte
 * nanoseconds (TIME a duration, DATE/DT since 1970-01-01 UTC, TOD since midnight); a STRING is a length byte and its
 * characters, padded to its size. 64-bit integers are decimal strings so no digit is lost in JSON.
 */

/** A decoded value as the UI shows it: BOOL a boolean, integers up to 32 bits and finite reals a number, the rest text. */
export type LiveValue = boolean | number | string;

/** A value that cannot be decoded or a user's value that cannot be forced; `field` names the input at fault. */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly field: string = 'value',
  ) {
    super(message);
    this.name = 'ValueError';
  }
}

type IntSpec = { kind: 'int'; bytes: 1 | 2 | 4 | 8; signed: boolean };
type Spec = IntSpec | { kind: 'bool' } | { kind: 'real'; bytes: 4 | 8 } | { kind: 'time' | 'date' | 'tod' | 'dt' } | { kind: 'string' };

const SPECS: Record<string, Spec> = {
  BOOL: { kind: 'bool' },
  SINT: { kind: 'int', bytes: 1, signed: true },
  INT: { kind: 'int', bytes: 2, signed: true },
  DINT: { kind: 'int', bytes: 4, signed: true },
  LINT: { kind: 'int', bytes: 8, signed: true },
  USINT: { kind: 'int', bytes: 1, signed: false },
  UINT: { kind: 'int', bytes: 2, signed: false },
  UDINT: { kind: 'int', bytes: 4, signed: false },
  ULINT: { kind: 'int', bytes: 8, signed: false },
  BYTE: { kind: 'int', bytes: 1, signed: false },
  WORD: { kind: 'int', bytes: 2, signed: false },
  DWORD: { kind: 'int', bytes: 4, signed: false },
  LWORD: { kind: 'int', bytes: 8, signed: false },
  REAL: { kind: 'real', bytes: 4 },
  LREAL: { kind: 'real', bytes: 8 },
  TIME: { kind: 'time' },
  DATE: { kind: 'date' },
  TOD: { kind: 'tod' },
  TIME_OF_DAY: { kind: 'tod' },
  DT: { kind: 'dt' },
  DATE_AND_TIME: { kind: 'dt' },
  STRING: { kind: 'string' },
};

const REAL_MAX = 3.4028234663852886e38;
const NS_PER_DAY = 86_400_000_000_000n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function specOf(type: string): Spec {
  const spec = SPECS[type.toUpperCase()];
  if (!spec) throw new ValueError(`type ${type} is not supported for live values`, 'type');
  return spec;
}

/** The size a type must have in the variable map (null: any size, as a STRING's). */
export function expectedSize(type: string): number | null {
  const spec = SPECS[type.toUpperCase()];
  if (!spec) return null;
  switch (spec.kind) {
    case 'bool':
      return 1;
    case 'int':
    case 'real':
      return spec.bytes;
    case 'string':
      return null;
    default:
      return 8;
  }
}

/** Whether values of this type can be shown and forced. */
export function isSupportedType(type: string): boolean {
  return Object.hasOwn(SPECS, type.toUpperCase());
}

function checkSize(type: string, spec: Spec, size: number): void {
  const want = expectedSize(type);
  if (want !== null && size !== want) throw new ValueError(`${type} has ${want} bytes, the variable map says ${size}`, 'size');
  if (spec.kind === 'string' && size < 2) throw new ValueError(`a STRING needs at least 2 bytes, the variable map says ${size}`, 'size');
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function readInt(b: Uint8Array, spec: IntSpec, le: boolean): bigint {
  const v = view(b);
  switch (spec.bytes) {
    case 1:
      return BigInt(spec.signed ? v.getInt8(0) : v.getUint8(0));
    case 2:
      return BigInt(spec.signed ? v.getInt16(0, le) : v.getUint16(0, le));
    case 4:
      return BigInt(spec.signed ? v.getInt32(0, le) : v.getUint32(0, le));
    case 8:
      return spec.signed ? v.getBigInt64(0, le) : v.getBigUint64(0, le);
  }
}

function writeInt(n: bigint, spec: IntSpec, le: boolean): Uint8Array {
  const b = new Uint8Array(spec.bytes);
  const v = view(b);
  switch (spec.bytes) {
    case 1:
      if (spec.signed) v.setInt8(0, Number(n));
      else v.setUint8(0, Number(n));
      break;
    case 2:
      if (spec.signed) v.setInt16(0, Number(n), le);
      else v.setUint16(0, Number(n), le);
      break;
    case 4:
      if (spec.signed) v.setInt32(0, Number(n), le);
      else v.setUint32(0, Number(n), le);
      break;
    case 8:
      if (spec.signed) v.setBigInt64(0, n, le);
      else v.setBigUint64(0, n, le);
      break;
  }
  return b;
}

const pad = (n: bigint | number, width: number): string => String(n).padStart(width, '0');

/** `T#1h2m3s500ms`: each unit present only when not zero; `T#0s` for zero. */
export function formatDuration(ns: bigint): string {
  const sign = ns < 0n ? '-' : '';
  let rest = ns < 0n ? -ns : ns;
  const units: Array<[string, bigint]> = [
    ['d', NS_PER_DAY],
    ['h', 3_600_000_000_000n],
    ['m', 60_000_000_000n],
    ['s', 1_000_000_000n],
    ['ms', 1_000_000n],
    ['us', 1_000n],
    ['ns', 1n],
  ];
  let out = '';
  for (const [unit, size] of units) {
    const q = rest / size;
    rest -= q * size;
    if (q > 0n) out += `${q}${unit}`;
  }
  return `T#${sign}${out || '0s'}`;
}

function fraction(nsInSecond: bigint): string {
  if (nsInSecond === 0n) return '';
  return '.' + pad(nsInSecond, 9).replace(/0+$/, '');
}

function splitDay(ns: bigint): { day: bigint; inDay: bigint } {
  let day = ns / NS_PER_DAY;
  let inDay = ns - day * NS_PER_DAY;
  if (inDay < 0n) {
    inDay += NS_PER_DAY;
    day -= 1n;
  }
  return { day, inDay };
}

function clock(inDay: bigint): string {
  const s = inDay / 1_000_000_000n;
  return `${pad(s / 3600n, 2)}:${pad((s / 60n) % 60n, 2)}:${pad(s % 60n, 2)}${fraction(inDay % 1_000_000_000n)}`;
}

function calendar(day: bigint): string {
  const d = new Date(Number(day) * 86_400_000);
  if (Number.isNaN(d.getTime())) throw new ValueError('the date is outside the calendar');
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** The value of one variable from its bytes (exactly `size` of them), in the runtime's byte order. */
export function decodeValue(type: string, size: number, bytes: Uint8Array, littleEndian: boolean): LiveValue {
  const spec = specOf(type);
  checkSize(type, spec, size);
  if (bytes.length !== size) throw new ValueError(`${type} needs ${size} bytes, got ${bytes.length}`, 'data');
  const le = littleEndian;
  switch (spec.kind) {
    case 'bool':
      return bytes[0] !== 0;
    case 'int': {
      const v = readInt(bytes, spec, le);
      return spec.bytes === 8 ? v.toString() : Number(v);
    }
    case 'real': {
      const n = spec.bytes === 4 ? view(bytes).getFloat32(0, le) : view(bytes).getFloat64(0, le);
      // JSON has no NaN or infinity: those travel as their names.
      return Number.isFinite(n) ? n : String(n);
    }
    case 'string': {
      const len = Math.min(bytes[0] ?? 0, size - 1);
      return String.fromCharCode(...bytes.subarray(1, 1 + len));
    }
    default: {
      const ns = view(bytes).getBigInt64(0, le);
      if (spec.kind === 'time') return formatDuration(ns);
      const { day, inDay } = splitDay(ns);
      if (spec.kind === 'tod') return `TOD#${clock(inDay)}`;
      if (spec.kind === 'date') return `D#${calendar(day)}`;
      return `DT#${calendar(day)}-${clock(inDay)}`;
    }
  }
}

function parseInteger(type: string, input: string | number | boolean): bigint {
  if (typeof input === 'boolean') throw new ValueError(`give a whole number for ${type}`);
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input)) throw new ValueError(`${input} is not a whole number for ${type}`);
    return BigInt(input);
  }
  const t = input.trim().replace(/_/g, '');
  const m = /^([+-]?)(?:(16#|0x)([0-9a-f]+)|(2#|0b)([01]+)|(8#)([0-7]+)|(\d+))$/i.exec(t);
  if (!m) throw new ValueError(`"${input}" is not a whole number for ${type} (decimal, 16#FF or 2#1010)`);
  const sign = m[1] === '-' ? -1n : 1n;
  const digits = m[3] !== undefined ? `0x${m[3]}` : m[5] !== undefined ? `0b${m[5]}` : m[7] !== undefined ? `0o${m[7]}` : (m[8] ?? '0');
  return sign * BigInt(digits);
}

function intRange(spec: IntSpec): [bigint, bigint] {
  const bits = BigInt(spec.bytes * 8);
  return spec.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

function parseBool(input: string | number | boolean): boolean {
  if (typeof input === 'boolean') return input;
  if (input === 1 || input === 0) return input === 1;
  if (typeof input === 'string') {
    const t = input.trim().toUpperCase();
    if (['TRUE', '1', 'BOOL#TRUE', 'BOOL#1'].includes(t)) return true;
    if (['FALSE', '0', 'BOOL#FALSE', 'BOOL#0'].includes(t)) return false;
  }
  throw new ValueError(`"${String(input)}" is not a BOOL: give TRUE or FALSE`);
}

function parseReal(type: string, input: string | number | boolean, max: number): number {
  if (typeof input === 'boolean') throw new ValueError(`give a number for ${type}`);
  const t = typeof input === 'number' ? input : input.trim().replace(/_/g, '');
  const n = typeof t === 'number' ? t : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n)) throw new ValueError(`"${String(input)}" is not a number for ${type}`);
  if (Math.abs(n) > max) throw new ValueError(`${String(input)} is out of range for ${type} (±${max})`);
  return n;
}

const DURATION_UNITS: Record<string, bigint> = { d: NS_PER_DAY, h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };

/** `T#1h30m`, `TIME#-500ms`, `2.5s`: units d h m s ms us ns, a fraction allowed. */
export function parseDuration(text: string): bigint {
  const t = text.trim().replace(/_/g, '').replace(/^(?:T|TIME)#/i, '');
  const m = /^([+-]?)((?:\d+(?:\.\d+)?(?:ms|us|ns|d|h|m|s))+)$/i.exec(t);
  if (!m) throw new ValueError(`"${text}" is not a duration: give it as T#500ms or T#1h30m (units d h m s ms us ns)`);
  let ns = 0n;
  for (const part of (m[2] ?? '').matchAll(/(\d+)(?:\.(\d+))?(ms|us|ns|d|h|m|s)/gi)) {
    const unit = DURATION_UNITS[(part[3] ?? '').toLowerCase()] ?? 1n;
    const frac = part[2] ?? '';
    ns += BigInt(part[1] ?? '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
  }
  return m[1] === '-' ? -ns : ns;
}

function parseClock(text: string, what: string): bigint {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  const [h, min, s] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3] ?? 0)];
  if (!m || h > 23 || min > 59 || s > 59) throw new ValueError(`"${what}" has no valid time of day (HH:MM:SS, up to 23:59:59.999999999)`);
  const frac = (m[4] ?? '').padEnd(9, '0');
  return BigInt(h * 3600 + min * 60 + s) * 1_000_000_000n + BigInt(frac);
}

function parseDay(text: string, what: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  const back = new Date(ms);
  if (!m || Number.isNaN(ms) || back.getUTCDate() !== Number(m[3]) || back.getUTCMonth() !== Number(m[2]) - 1) {
    throw new ValueError(`"${what}" has no valid date (YYYY-MM-DD)`);
  }
  return BigInt(ms / 86_400_000) * NS_PER_DAY;
}

function parseTimeKind(kind: 'time' | 'date' | 'tod' | 'dt', input: string | number | boolean): bigint {
  if (typeof input !== 'string') throw new ValueError(`give the ${kind === 'time' ? 'duration as T#500ms' : kind === 'date' ? 'date as D#2024-01-31' : kind === 'tod' ? 'time of day as TOD#12:30:00' : 'date and time as DT#2024-01-31-12:30:00'}`);
  const t = input.trim();
  switch (kind) {
    case 'time':
      return parseDuration(t);
    case 'date':
      return parseDay(t.replace(/^(?:D|DATE)#/i, ''), input);
    case 'tod':
      return parseClock(t.replace(/^(?:TOD|TIME_OF_DAY)#/i, ''), input);
    case 'dt': {
      const m = /^(\d{4}-\d{2}-\d{2})[-T ](.+)$/.exec(t.replace(/^(?:DT|DATE_AND_TIME)#/i, ''));
      if (!m) throw new ValueError(`"${input}" is not a date and time: give it as DT#2024-01-31-12:30:00`);
      return parseDay(m[1] ?? '', input) + parseClock(m[2] ?? '', input);
    }
  }
}

/**
 * The bytes that force a variable of `type`/`size` to what the user gave (text as typed, or a JSON number/boolean),
 * in the runtime's byte order. Refuses with a ValueError on `value` that says what is wrong and what would fit.
 */
export function encodeValue(type: string, size: number, input: string | number | boolean, littleEndian: boolean): Uint8Array {
  const spec = specOf(type);
  checkSize(type, spec, size);
  const le = littleEndian;
  switch (spec.kind) {
    case 'bool':
      return Uint8Array.of(parseBool(input) ? 1 : 0);
    case 'int': {
      const v = parseInteger(type, input);
      const [lo, hi] = intRange(spec);
      if (v < lo || v > hi) throw new ValueError(`${String(input)} is out of range for ${type} (${lo} to ${hi})`);
      return writeInt(v, spec, le);
    }
    case 'real': {
      const n = parseReal(type, input, spec.bytes === 4 ? REAL_MAX : Number.MAX_VALUE);
      const b = new Uint8Array(spec.bytes);
      if (spec.bytes === 4) view(b).setFloat32(0, n, le);
      else view(b).setFloat64(0, n, le);
      return b;
    }
    case 'string': {
      if (typeof input !== 'string') throw new ValueError('give the text for STRING');
      if (/[^\x20-\x7e\xa0-\xff]/.test(input)) throw new ValueError('a STRING holds printable Latin-1 characters only');
      if (input.length > size - 1) throw new ValueError(`the text has ${input.length} characters; this STRING holds at most ${size - 1}`);
      const b = new Uint8Array(size);
      b[0] = input.length;
      for (let i = 0; i < input.length; i++) b[i + 1] = input.charCodeAt(i);
      return b;
    }
    default: {
      const ns = parseTimeKind(spec.kind, input);
      if (ns < I64_MIN || ns > I64_MAX) throw new ValueError(`${String(input)} is out of range for ${type}`);
      const b = new Uint8Array(8);
      view(b).setBigInt64(0, ns, le);
      return b;
    }
  }
}
