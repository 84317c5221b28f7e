// The recorded BLINK program (test/fixtures/openplc-runtime-v4.1.4/debug/program.st) as a scan-by-scan simulation:
//   counter := counter + 1;  t1(IN := NOT t1.Q, PT := T#500ms);  IF t1.Q THEN lamp := NOT lamp; END_IF;
// on a 10 ms task, with the IEC TON of the MatIEC library and the runtime's forcing rules: a forced variable reads as
// its forced value (for the program and the debugger) and program writes to it are ignored until it is released.
// Located variables (COUNTER %MW0, LAMP %QX0.0) keep their own value under the force and resume from it; the others
// take the forced value. This reproduces the recording: T1 cycles every 52 scans (ET 0..490 ms, Q with ET 500 ms, one
// reset scan), the lamp toggles once per cycle, and after T scans COUNTER is T and ET the recorded one for tick T. The
// recording shows the forcing rule too: COUNTER, forced across one scan, stayed one behind the tick after its release.
const MS = 1_000_000n;
const PT_500MS = 500n * MS;
const SCAN_NS = 10n * MS;
const CYCLE = 52;

/** The variable table in debug-map.json order (array 0). */
export const BLINK_VARS = [
  { path: 'INSTANCE0.COUNTER', type: 'INT', size: 2, located: true },
  { path: 'INSTANCE0.LAMP', type: 'BOOL', size: 1, located: true },
  { path: 'INSTANCE0.T1.IN', type: 'BOOL', size: 1, located: false },
  { path: 'INSTANCE0.T1.PT', type: 'TIME', size: 8, located: false },
  { path: 'INSTANCE0.T1.Q', type: 'BOOL', size: 1, located: false },
  { path: 'INSTANCE0.T1.ET', type: 'TIME', size: 8, located: false },
];
const [COUNTER, LAMP, IN, PT, Q, ET] = [0, 1, 2, 3, 4, 5];
const TIMER_VARS = [IN, PT, Q, ET];
const MAX_STEPS_PER_QUERY = 200_000;

const wrapInt = (n) => ((((n + 32768) % 65536) + 65536) % 65536) - 32768;

export function encodeValue(v, value) {
  const out = Buffer.alloc(v.size);
  if (v.type === 'BOOL') out[0] = value ? 1 : 0;
  else if (v.type === 'INT') out.writeInt16LE(value, 0);
  else out.writeBigInt64LE(value, 0);
  return out;
}

/** The value of `v` from the first `v.size` bytes (little-endian). */
export function decodeValue(v, bytes) {
  if (v.type === 'BOOL') return bytes[0] !== 0;
  if (v.type === 'INT') return bytes.readInt16LE(0);
  return bytes.readBigInt64LE(0);
}

export function createBlink() {
  const values = [0, false, false, 0n, false, 0n];
  const forced = new Map();
  const timer = { state: 0, prevIn: false, start: 0n };
  let scans = 0;
  // Once a timer variable has been forced the timer may leave its 52-scan cycle: no more skipping ahead.
  let disturbed = false;

  const get = (i) => (forced.has(i) ? forced.get(i) : values[i]);
  const set = (i, value) => {
    if (!forced.has(i)) values[i] = value;
  };

  function scan() {
    scans += 1;
    const now = BigInt(scans) * SCAN_NS;
    set(COUNTER, wrapInt(get(COUNTER) + 1));
    set(IN, !get(Q));
    set(PT, PT_500MS);
    const input = get(IN);
    if (timer.state === 0 && !timer.prevIn && input) {
      timer.state = 1;
      set(Q, false);
      timer.start = now;
    } else if (!input) {
      set(ET, 0n);
      set(Q, false);
      timer.state = 0;
    } else if (timer.state === 1) {
      if (timer.start + get(PT) <= now) {
        timer.state = 2;
        set(Q, true);
        set(ET, get(PT));
      } else {
        set(ET, now - timer.start);
      }
    }
    timer.prevIn = input;
    if (get(Q)) set(LAMP, !get(LAMP));
  }

  // Whole cycles at once while the timer runs unforced: each adds 52 to COUNTER and toggles LAMP once.
  function skipCycles(n) {
    if (n <= 0) return;
    scans += n * CYCLE;
    timer.start += BigInt(n * CYCLE) * SCAN_NS;
    set(COUNTER, wrapInt(get(COUNTER) + ((n * CYCLE) % 65536)));
    if (n % 2 === 1) set(LAMP, !get(LAMP));
  }

  return {
    /** Runs the program up to `tick` scans since its start (never backwards). */
    advanceTo(tick) {
      let due = tick - scans;
      if (due > 2 * CYCLE && scans > CYCLE && !disturbed) {
        const n = Math.floor((due - CYCLE) / CYCLE);
        skipCycles(n);
        due -= n * CYCLE;
      }
      // A forced timer long ago: simulate only the most recent scans (bounded work per query).
      if (due > MAX_STEPS_PER_QUERY) {
        scans = tick - MAX_STEPS_PER_QUERY;
        due = MAX_STEPS_PER_QUERY;
      }
      for (let i = 0; i < due; i++) scan();
    },
    read: (elem) => encodeValue(BLINK_VARS[elem], get(elem)),
    force(elem, bytes) {
      const v = BLINK_VARS[elem];
      const value = decodeValue(v, bytes);
      forced.set(elem, value);
      if (TIMER_VARS.includes(elem)) disturbed = true;
      if (!v.located) values[elem] = value;
    },
    release(elem) {
      forced.delete(elem);
    },
  };
}
