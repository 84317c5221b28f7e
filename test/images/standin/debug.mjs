// The runtime's live-debug commands (`debug_command` {command:"<hex>"} → `debug_response`), v4.1.4 binary protocol as
// recorded in test/fixtures/openplc-runtime-v4.1.4/debug/ (README there, "debug/"). Requests are hex in either case,
// spaced or not; replies are lowercase spaced hex. Variables are addressed [array u8][element u16 BE]; the table is
// the BLINK program (blink.mjs), one array of 6 elements, values little-endian.
import { BLINK_VARS, createBlink } from './blink.mjs';

export const RECORDED_MD5 = 'bad85d4c2071cad1ba5403257d892067';
const OK = 0x7e;
const OUT_OF_BOUNDS = 0x81;
const TOO_LARGE = 0x82; // GET_LIST count > 1024, or a SET value shorter than the type
const NOT_LOADED = 0x83;
const MAX_LIST = 1024;
const ARRAYS = [BLINK_VARS.length];

const hex = (bytes) => Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
const data = (bytes) => ({ success: true, data: hex(bytes) });
const status = (fc, code) => data([fc, code]);
const textReply = (text) => ({ success: true, data: text });

// Python's type name in "'<type>' object has no attribute 'get'" (the webserver calls payload.get('command')).
function pythonType(value) {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

// Python truthiness, for the webserver's `if not command`.
function falsy(value) {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** The request bytes, or null when the text is not hex (ERROR_PARSING). */
export function parseHex(text) {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(compact)) return null;
  return Buffer.from(compact, 'hex');
}

const validAddress = (arr, elem) => arr < ARRAYS.length && elem < ARRAYS[arr];

function tickBytes(tick) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(tick >>> 0, 0);
  return b;
}

const u16 = (n) => [(n >> 8) & 0xff, n & 0xff];

/**
 * `plc.debugTick()` gives `{ run, tick }` while a program runs (`run` changes on every start), else null.
 * `md5()` is the loaded program's debug-map md5.
 */
export function createDebugCommands({ plc, md5 }) {
  let current = null; // { run, blink }

  function program() {
    const now = plc.debugTick();
    if (!now) {
      current = null;
      return null;
    }
    if (!current || current.run !== now.run) current = { run: now.run, blink: createBlink() };
    current.blink.advanceTo(now.tick);
    return { blink: current.blink, tick: now.tick };
  }

  function values(fc, last, tick, blink, elems) {
    const parts = elems.map((e) => blink.read(e));
    const len = parts.reduce((n, p) => n + p.length, 0);
    return data([fc, OK, ...u16(last), ...tickBytes(tick), ...u16(len), ...Buffer.concat(parts)]);
  }

  function getList(bytes, p) {
    if (bytes.length < 3) return status(0x44, OUT_OF_BOUNDS);
    const count = bytes.readUInt16BE(1);
    if (count === 0) return status(0x44, OUT_OF_BOUNDS);
    if (count > MAX_LIST) return status(0x44, TOO_LARGE);
    if (bytes.length < 3 + 3 * count) return status(0x44, OUT_OF_BOUNDS);
    const elems = [];
    for (let i = 0; i < count; i++) {
      const arr = bytes[3 + 3 * i];
      const elem = bytes.readUInt16BE(4 + 3 * i);
      if (validAddress(arr, elem)) elems.push(elem); // out-of-range entries are skipped without a placeholder
    }
    return values(0x44, count - 1, p.tick, p.blink, elems);
  }

  function getRange(bytes, p) {
    if (bytes.length < 6) return status(0x43, OUT_OF_BOUNDS);
    const arr = bytes[1];
    const first = bytes.readUInt16BE(2);
    const last = bytes.readUInt16BE(4);
    if (!validAddress(arr, first) || !validAddress(arr, last) || first > last) return status(0x43, OUT_OF_BOUNDS);
    const elems = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    return values(0x43, last, p.tick, p.blink, elems);
  }

  function set(bytes, p) {
    if (bytes.length < 7) return status(0x42, OUT_OF_BOUNDS);
    const arr = bytes[1];
    const elem = bytes.readUInt16BE(2);
    const force = bytes[4] !== 0;
    const len = bytes.readUInt16BE(5);
    if (!validAddress(arr, elem) || bytes.length < 7 + len) return status(0x42, OUT_OF_BOUNDS);
    if (!force) {
      p.blink.release(elem);
      return status(0x42, OK);
    }
    if (len < BLINK_VARS[elem].size) return status(0x42, TOO_LARGE);
    p.blink.force(elem, bytes.subarray(7, 7 + BLINK_VARS[elem].size));
    return status(0x42, OK);
  }

  function run(bytes) {
    const fc = bytes[0];
    if (fc < 0x41 || fc > 0x45) return textReply('ERROR_PROCESSING');
    const p = program();
    if (!p) return status(fc, NOT_LOADED);
    switch (fc) {
      case 0x41:
        return data([0x41, ARRAYS.length, OK, ...ARRAYS.flatMap(u16)]);
      case 0x42:
        return set(bytes, p);
      case 0x43:
        return getRange(bytes, p);
      case 0x44:
        return getList(bytes, p);
      default:
        // GET_MD5 wants its 4 argument bytes (DE AD 00 00); the recorded runtime answers a bare `45` with 83.
        if (bytes.length < 5) return status(0x45, NOT_LOADED);
        return data([0x45, OK, ...Buffer.from(md5(), 'ascii'), 0xad, 0xde]);
    }
  }

  /** The `debug_response` payload for one `debug_command` payload. */
  return function handle(payload) {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      return { success: false, error: `'${pythonType(payload)}' object has no attribute 'get'` };
    }
    const command = payload.command;
    if (falsy(command)) return { success: false, error: 'Empty command' };
    if (typeof command !== 'string') return textReply('ERROR_PROCESSING');
    const bytes = parseHex(command);
    if (!bytes) return textReply('ERROR_PARSING');
    return run(bytes);
  };
}
