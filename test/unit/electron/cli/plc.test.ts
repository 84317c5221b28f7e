// `vplc-orchestrator plc …` against a fake agent client (the channels' answers are the contract's shapes): argument
// rules (a password is never taken from argv), confirmations, what is sent to the agent, and what is printed. The
// terminal's no-echo password prompt is tested on a stream that behaves like a TTY.
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePlcArgs, runPlc, type PlcClient, type PlcIo } from '../../../../electron/cli/plc.js';
import { readPiped, readSecret } from '../../../../electron/cli/terminal-input.js';
import { UsageError } from '../../../../electron/core/settings/args.js';
import type { Envelope } from '../../../../shared/api/envelope.js';
import type { CompileProgress, PlcView } from '../../../../shared/domain/plc.js';

type Call = { channel: string; input: unknown };

/** A fake agent: `answers` per channel (a function gets the input and may emit events first). */
function agent(answers: Record<string, (input: unknown, emit: (name: string, payload: unknown) => void) => Envelope<unknown>>): PlcClient & { calls: Call[]; closed: boolean } {
  const listeners = new Set<(name: string, payload: unknown) => void>();
  const emit = (name: string, payload: unknown): void => listeners.forEach((l) => l(name, payload));
  const c = {
    calls: [] as Call[],
    closed: false,
    call(channel: string, input: unknown) {
      c.calls.push({ channel, input });
      const a = answers[channel];
      return Promise.resolve(a ? a(input, emit) : { ok: false as const, error: { code: 'UNAVAILABLE' as const, message: 'PLC support is not built yet' } });
    },
    onEvent(cb: (name: string, payload: unknown) => void) {
      listeners.add(cb);
      return () => void listeners.delete(cb);
    },
    close() {
      c.closed = true;
    },
  };
  return c;
}

type Term = { io: PlcIo; out: () => string; err: () => string; asked: string[]; secretsAsked: string[] };
function term(o: { interactive?: boolean; answers?: string[]; secrets?: string[]; stdin?: string; stopAfterSleeps?: number } = {}): Term {
  let out = '';
  let err = '';
  const asked: string[] = [];
  const secretsAsked: string[] = [];
  const ctl = new AbortController();
  let sleeps = 0;
  return {
    asked,
    secretsAsked,
    out: () => out,
    err: () => err,
    io: {
      out: (s) => void (out += s),
      err: (s) => void (err += s),
      interactive: o.interactive ?? false,
      ask: (q) => (asked.push(q), Promise.resolve(o.answers?.shift() ?? '')),
      askSecret: (p) => (secretsAsked.push(p), Promise.resolve(o.secrets?.shift() ?? '')),
      readStdin: () => Promise.resolve(o.stdin ?? ''),
      sleep: () => {
        if (++sleeps >= (o.stopAfterSleeps ?? 1)) ctl.abort();
        return Promise.resolve();
      },
      interrupted: ctl.signal,
    },
  };
}

const ok = (value: unknown): Envelope<unknown> => ({ ok: true, value });

const view: PlcView = {
  connection: 'connected',
  username: 'admin',
  status: 'RUNNING',
  program_loaded: true,
  tasks: [
    {
      name: 'TASK0',
      scan_time: { min: 3, avg: 12.4, max: 40 },
      cycle_time: { min: 9_900, avg: 10_000, max: 10_250 },
      cycle_latency: { min: 0, avg: 25, max: 1_830 },
      overruns: 2,
      scan_count: 2524,
    },
  ],
  fault_since: null,
  realtime: false,
  checked_at: '2026-12-05T05:40:01.000Z',
  error: null,
  change_rule: 'plc-aware',
  change_rule_reason: 'the PLC program runs: pending changes wait for a confirm',
};
const vplcStatus = (plc: PlcView | undefined) => ok({ status: 'success', container_status: 'running', ...(plc ? { plc } : {}) });

async function run(argv: string[], client: ReturnType<typeof agent>, t: Term): Promise<number> {
  return runPlc(argv, t.io, () => Promise.resolve(client));
}

describe('plc: arguments', () => {
  it('refuses a password on the command line in every spelling, saying why, before connecting', async () => {
    for (const argv of [
      ['login', 'plc1', '--user', 'admin', '--password', 'hunter2'],
      ['login', 'plc1', '--user', 'admin', '--password=hunter2'],
      ['create-user', 'plc1', '--user', 'admin', '-p', 'hunter2'],
      ['login', 'plc1', '--user', 'admin', '--pass', 'hunter2'],
      ['login', 'plc1', '--user', 'admin', '--password-stdin=hunter2'],
    ]) {
      let connected = false;
      const t = term();
      const e = await runPlc(argv, t.io, () => ((connected = true), Promise.resolve(agent({})))).catch((x: unknown) => x);
      expect(e, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((e as Error).message, argv.join(' ')).toMatch(/refused: a password is never taken from the command line: arguments are visible to every user|takes no value/);
      expect((e as Error).message).not.toContain('hunter2');
      expect(connected).toBe(false);
    }
  });

  it('names what is missing or wrong', () => {
    const msg = (argv: string[]): string => {
      try {
        parsePlcArgs(argv);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(msg([])).toMatch(/^plc needs a command: status, login/);
    expect(msg(['reboot', 'plc1'])).toMatch(/^unknown plc command: reboot/);
    expect(msg(['status'])).toBe("plc status needs the vPLC's name");
    expect(msg(['status', 'bad name!'])).toMatch(/^vPLC name "bad name!": /);
    expect(msg(['login', 'plc1'])).toBe('plc login needs --user NAME (the runtime user)');
    expect(msg(['upload', 'plc1'])).toMatch(/^plc upload needs the program bundle/);
    expect(msg(['start', 'plc1', 'extra'])).toBe('unexpected argument: extra');
    expect(msg(['logs', 'plc1', '--level', 'LOUD'])).toBe('--level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL');
    expect(msg(['logs', 'plc1', '--since', '-3'])).toBe('--since needs a whole number');
    expect(msg(['start', 'plc1', '--follow'])).toBe('plc start takes no --follow');
  });

  it('passes the agent options on (with their values) and keeps its own', () => {
    const a = parsePlcArgs(['logs', '--data-dir', '/srv/vplc', 'plc1', '--no-cloud', '--level=error', '-f', '--ui-port=4000', '--since', '7']);
    expect(a).toMatchObject({ sub: 'logs', name: 'plc1', level: 'ERROR', since: 7, follow: true, agentArgs: ['--data-dir', '/srv/vplc', '--no-cloud', '--ui-port=4000'] });
  });

  it('prints its usage for --help without connecting', async () => {
    const t = term();
    expect(await runPlc(['login', '--help'], t.io, () => Promise.reject(new Error('must not connect')))).toBe(0);
    expect(t.out()).toMatch(/^usage: vplc-orchestrator plc status VPLC/);
    expect(t.out()).toContain('--password is refused');
  });

  it('says when no agent answers (exit 1)', async () => {
    const t = term();
    expect(await runPlc(['status', 'plc1'], t.io, () => Promise.reject(new Error('no running agent answered on 127.0.0.1:48750')))).toBe(1);
    expect(t.err()).toBe('vplc-orchestrator plc: no running agent answered on 127.0.0.1:48750\n');
  });
});

describe('plc status', () => {
  it('prints state, connection, real-time note, change rule and the task table', async () => {
    const c = agent({ 'vplc:status': () => vplcStatus(view) });
    const t = term();
    expect(await run(['status', 'plc1'], c, t)).toBe(0);
    expect(c.calls).toEqual([{ channel: 'vplc:status', input: { name: 'plc1' } }]);
    expect(t.out()).toBe(
      [
        'PLC of plc1: RUNNING (program loaded)',
        '  connection: connected as admin',
        '  last answer: 2026-12-05T05:40:01.000Z',
        '  real-time: no real-time scheduling on this host: expect millisecond jitter',
        '  changes: plc-aware — the PLC program runs: pending changes wait for a confirm',
        '',
        'TASK   SCAN avg / max  CYCLE avg  JITTER avg / max  OVERRUNS  SCANS',
        'TASK0  12 µs / 40 µs   10.00 ms   25 µs / 1.83 ms   2         2524',
        '',
      ].join('\n'),
    );
    expect(c.closed).toBe(true);
  });

  it('tells how to connect a vPLC without credentials, and --json prints the view as it is', async () => {
    const none: PlcView = { ...view, connection: 'not_connected', username: null, status: null, program_loaded: null, tasks: [], realtime: null, checked_at: null, change_rule: 'container', change_rule_reason: 'no runtime credentials: the container rule holds' };
    const t = term();
    expect(await run(['status', 'plc1'], agent({ 'vplc:status': () => vplcStatus(none) }), t)).toBe(0);
    expect(t.out()).toContain('connection: not connected: no runtime credentials stored for plc1; give them with `vplc-orchestrator plc login plc1 --user NAME`');
    const j = term();
    expect(await run(['status', 'plc1', '--json'], agent({ 'vplc:status': () => vplcStatus(view) }), j)).toBe(0);
    expect(JSON.parse(j.out())).toEqual(view);
  });

  it('reports the agent’s refusal and a status without a PLC view (exit 1)', async () => {
    const t = term();
    expect(await run(['status', 'plc1'], agent({ 'vplc:status': () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'no vPLC named plc1' } }) }), t)).toBe(1);
    expect(t.err()).toBe('vplc-orchestrator plc status: no vPLC named plc1\n');
    const u = term();
    expect(await run(['status', 'plc1'], agent({ 'vplc:status': () => vplcStatus(undefined) }), u)).toBe(1);
    expect(u.err()).toBe('the agent reports no PLC view for plc1 (status success)\n');
    const gone = term();
    expect(await run(['status', 'plc1'], agent({ 'vplc:status': () => ok({ status: 'not_found', device_id: 'plc1', message: 'Device plc1 not found' }) }), gone)).toBe(1);
    expect(gone.err()).toBe('Device plc1 not found\n');
  });
});

describe('plc login and create-user', () => {
  const stored = { outcome: 'verified', message: 'the runtime accepted admin; credentials stored for plc1' };

  it('asks the password without echo on a terminal and sends it only in the call', async () => {
    const c = agent({ 'plc:set-credentials': () => ok(stored) });
    const t = term({ interactive: true, secrets: ['s3cret pw'] });
    expect(await run(['login', 'plc1', '--user', 'admin'], c, t)).toBe(0);
    expect(t.secretsAsked).toEqual(['runtime password for admin: ']);
    expect(c.calls).toEqual([{ channel: 'plc:set-credentials', input: { name: 'plc1', username: 'admin', password: 's3cret pw' } }]);
    expect(t.out()).toBe(`${stored.message}\n`);
    expect(t.out() + t.err()).not.toContain('s3cret');
  });

  it('reads it from stdin with --password-stdin, and refuses without a terminal or an empty stdin', async () => {
    const c = agent({ 'plc:set-credentials': () => ok(stored) });
    expect(await run(['login', 'plc1', '--user', 'admin', '--password-stdin'], c, term({ stdin: 'from-pipe' }))).toBe(0);
    expect(c.calls[0]?.input).toEqual({ name: 'plc1', username: 'admin', password: 'from-pipe' });
    const t = term();
    expect(await run(['login', 'plc1', '--user', 'admin'], c, t)).toBe(1);
    expect(t.err()).toBe('vplc-orchestrator plc login: no terminal to ask the password on; pipe it with --password-stdin\n');
    const e = term();
    expect(await run(['login', 'plc1', '--user', 'admin', '--password-stdin'], c, e)).toBe(1);
    expect(e.err()).toContain('--password-stdin: stdin was empty');
    expect(c.calls).toHaveLength(1);
  });

  it('create-user confirms on a terminal and asks the password twice; without a terminal it needs --yes', async () => {
    const c = agent({ 'plc:create-user': () => ok({ outcome: 'verified', message: 'user admin created on plc1 and stored' }) });
    const t = term({ interactive: true, answers: ['y'], secrets: ['pw1', 'pw1'] });
    expect(await run(['create-user', 'plc1', '--user', 'admin'], c, t)).toBe(0);
    expect(t.asked).toEqual(["Create the runtime's first user admin on plc1? [y/N] "]);
    expect(t.secretsAsked).toHaveLength(2);
    expect(c.calls).toEqual([{ channel: 'plc:create-user', input: { name: 'plc1', username: 'admin', password: 'pw1' } }]);

    const differ = term({ interactive: true, answers: ['yes'], secrets: ['pw1', 'pw2'] });
    expect(await run(['create-user', 'plc1', '--user', 'admin'], c, differ)).toBe(1);
    expect(differ.err()).toContain('the two passwords differ; nothing changed');
    const no = term({ interactive: true, answers: [''] });
    expect(await run(['create-user', 'plc1', '--user', 'admin'], c, no)).toBe(1);
    expect(no.err()).toContain('not confirmed; nothing changed');
    const piped = term({ stdin: 'pw' });
    expect(await run(['create-user', 'plc1', '--user', 'admin', '--password-stdin'], c, piped)).toBe(1);
    expect(piped.err()).toContain('no terminal to confirm on; add --yes');
    expect(await run(['create-user', 'plc1', '--user', 'admin', '--password-stdin', '--yes'], c, term({ stdin: 'pw' }))).toBe(0);
    expect(c.calls).toHaveLength(2);
  });
});

describe('plc logout, start, stop', () => {
  it('send confirm: true only after --yes or a yes on the terminal, and print the runtime’s answer', async () => {
    const c = agent({
      'plc:clear-credentials': () => ok(null),
      'plc:start': () => ok({ ok: true, answer: 'START:OK', message: 'the PLC program is starting', status: 'RUNNING' }),
      'plc:stop': () => ok({ ok: false, answer: 'STOP:ERROR', message: 'the PLC was already stopped', status: 'STOPPED' }),
    });
    const refused = term();
    expect(await run(['start', 'plc1'], c, refused)).toBe(1);
    expect(refused.err()).toBe('vplc-orchestrator plc start: Start the PLC program of plc1: no terminal to confirm on; add --yes\n');
    expect(c.calls).toEqual([]);

    const s = term();
    expect(await run(['start', 'plc1', '--yes'], c, s)).toBe(0);
    expect(s.out()).toBe('START:OK: the PLC program is starting (PLC RUNNING)\n');
    const st = term({ interactive: true, answers: ['y'] });
    expect(await run(['stop', 'plc1'], c, st)).toBe(1);
    expect(st.err()).toBe('STOP:ERROR: the PLC was already stopped (PLC STOPPED)\n');
    const l = term();
    expect(await run(['logout', 'plc1', '-y'], c, l)).toBe(0);
    expect(l.out()).toContain('the runtime credentials of plc1 are forgotten');
    expect(c.calls.map((x) => x.input)).toEqual([
      { name: 'plc1', confirm: true },
      { name: 'plc1', confirm: true },
      { name: 'plc1', confirm: true },
    ]);
  });

  it('passes the agent’s refusal through (channels not built yet answer UNAVAILABLE)', async () => {
    const t = term();
    expect(await run(['start', 'plc1', '--yes'], agent({}), t)).toBe(1);
    expect(t.err()).toBe('vplc-orchestrator plc start: PLC support is not built yet\n');
  });
});

describe('plc upload', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-plc-cli-'));
  const zip = path.join(dir, 'program.zip');
  writeFileSync(zip, 'PK fake');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const progress = (state: CompileProgress['state'], logs: string[], exit_code: number | null = null, name = 'plc1'): CompileProgress => ({ name, state, logs, exit_code, error: null });

  it('prints each state and each new compiler line from plc:compile events, and exits 0 on SUCCESS', async () => {
    const c = agent({
      'plc:upload': (_input, emit) => {
        emit('plc:compile', progress('UNZIPPING', []));
        emit('plc:compile', progress('COMPILING', ['[ 10%] Building program.cpp']));
        emit('plc:compile', progress('COMPILING', ['x'], null, 'other'));
        emit('plc:compile', { bogus: true });
        emit('plc:compile', progress('COMPILING', ['[ 10%] Building program.cpp', '[100%] Linking']));
        return ok(progress('SUCCESS', ['[ 10%] Building program.cpp', '[100%] Linking', 'done'], 0));
      },
    });
    const t = term();
    expect(await run(['upload', 'plc1', zip, '--yes'], c, t)).toBe(0);
    expect(c.calls).toEqual([{ channel: 'plc:upload', input: { name: 'plc1', path: zip, confirm: true } }]);
    expect(t.out()).toBe(
      ['compile: UNZIPPING', 'compile: COMPILING', '  [ 10%] Building program.cpp', '  [100%] Linking', 'compile: SUCCESS', '  done', 'program.zip compiled on plc1', ''].join('\n'),
    );
  });

  it('exits 1 on FAILED with the compiler log printed, and on a refused upload with its reason', async () => {
    const failed = term();
    expect(await run(['upload', 'plc1', zip, '--yes'], agent({ 'plc:upload': () => ok(progress('FAILED', ["program.cpp:3: error: 'x' was not declared"], 2)) }), failed)).toBe(1);
    expect(failed.out()).toBe("compile: FAILED\n  program.cpp:3: error: 'x' was not declared\n");
    expect(failed.err()).toBe("compile FAILED (exit code 2); the compiler's log is above\n");
    const busy = term();
    expect(await run(['upload', 'plc1', zip, '--yes'], agent({ 'plc:upload': () => ok({ ...progress('COMPILING', []), error: 'a compile is already running' }) }), busy)).toBe(1);
    expect(busy.err()).toBe('upload refused: a compile is already running\n');
  });

  it('refuses a missing file before asking the agent, and confirms on a terminal', async () => {
    const c = agent({ 'plc:upload': () => ok(progress('SUCCESS', [], 0)) });
    const t = term();
    expect(await run(['upload', 'plc1', path.join(dir, 'nope.zip'), '--yes'], c, t)).toBe(1);
    expect(t.err()).toContain(`${path.join(dir, 'nope.zip')} does not exist or is not readable`);
    const asked = term({ interactive: true, answers: ['n'] });
    expect(await run(['upload', 'plc1', zip], c, asked)).toBe(1);
    expect(asked.asked[0]).toMatch(/^Upload program.zip to plc1 and compile it\?/);
    expect(c.calls).toEqual([]);
  });
});

describe('plc logs', () => {
  const line = (id: number, level = 'INFO', message = `line ${id}`) => ({ id, level, message, timestamp: '2026-12-04T18:26:06+0000' });

  it('asks with the filters given and prints id, time, level and message', async () => {
    const c = agent({ 'plc:logs': () => ok([line(90, 'WARNING', 'SCHED_FIFO failed'), line(91, 'ERROR', 'already RUNNING')]) });
    const t = term();
    expect(await run(['logs', 'plc1', '--level', 'warning', '--since', '90', '--limit', '50'], c, t)).toBe(0);
    expect(c.calls).toEqual([{ channel: 'plc:logs', input: { name: 'plc1', since_id: 90, level: 'WARNING', limit: 50 } }]);
    expect(t.out()).toBe('90 2026-12-04T18:26:06+0000 WARNING  SCHED_FIFO failed\n91 2026-12-04T18:26:06+0000 ERROR    already RUNNING\n');
  });

  it('--follow continues after the last line shown, never printing a line twice, until interrupted', async () => {
    const batches = [[line(1), line(2)], [line(2), line(3)], [], [line(4)]];
    const c = agent({ 'plc:logs': () => ok(batches.shift() ?? []) });
    const t = term({ stopAfterSleeps: 4 });
    expect(await run(['logs', 'plc1', '--follow', '--json'], c, t)).toBe(0);
    expect(c.calls.map((x) => (x.input as { since_id?: number }).since_id)).toEqual([undefined, 3, 4, 4]);
    expect(t.out().trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([1, 2, 3, 4]);
  });
});

describe('terminal input', () => {
  it('reads a secret without echoing it, with Backspace, in raw mode restored afterwards', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(m: boolean) { input.modes.push(m); } });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const p = readSecret(input, output, 'password: ');
    input.write('hunx\u007fter2\r');
    expect(await p).toBe('huntter2'.replace('tt', 't'));
    expect(shown).toBe('password: \n');
    expect(input.modes).toEqual([true, false]);
  });

  it('is cancelled by Ctrl-C; stdin loses one trailing newline and is bounded', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    const p = readSecret(input, new PassThrough(), 'pw: ');
    input.write('abc\u0003');
    await expect(p).rejects.toThrow('cancelled');
    const piped = new PassThrough();
    piped.end('pw with spaces \n');
    expect(await readPiped(piped)).toBe('pw with spaces ');
    const huge = new PassThrough();
    huge.end('x'.repeat(5000));
    await expect(readPiped(huge)).rejects.toThrow('more than 4096 bytes on stdin');
  });
});
