/** The runtime-answer parsers against the recorded exchanges of a real OpenPLC v4.1.4 runtime. */
import { describe, expect, it } from 'vitest';
import {
  parseActionWord,
  parseCompilationStatus,
  parseLogin,
  parseRuntimeLogs,
  parseStatus,
  parseUploadAnswer,
  parseUserCreated,
  refusalMessage,
} from '../../../../../../electron/workers/orchestrator/plc/answers.js';
import { PlcSessionError } from '../../../../../../electron/workers/orchestrator/plc/types.js';
import { recorded } from './fixtures.js';

const body = (name: string): unknown => recorded(name).body;

function badAnswer(fn: () => unknown): PlcSessionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PlcSessionError);
    expect((err as PlcSessionError).kind).toBe('bad_answer');
    return err as PlcSessionError;
  }
  throw new Error('expected a bad_answer');
}

describe('status', () => {
  it.each([
    ['status-empty', 'EMPTY'],
    ['status-running', 'RUNNING'],
    ['status-stopped', 'STOPPED'],
    ['status-error-core-restarting', 'ERROR'],
  ] as const)('%s reads %s without stats', (file, word) => {
    const r = parseStatus(body(file));
    expect(r.status).toBe(word);
    expect(r.tasks).toBeNull();
  });

  it('keeps the raw word with its trailing newline', () => {
    expect(parseStatus(body('status-error-core-restarting')).raw).toBe('STATUS:ERROR\n');
  });

  it('reads the per-task figures of a running PLC', () => {
    const r = parseStatus(body('status-running-stats'));
    expect(r.status).toBe('RUNNING');
    expect(r.tasks).toEqual([
      {
        name: 'TASK0',
        scan_time_min: 3, scan_time_avg: 7, scan_time_max: 56,
        cycle_time_min: 7237, cycle_time_avg: 6330, cycle_time_max: 12751,
        cycle_latency_min: 28, cycle_latency_avg: 87, cycle_latency_max: 2798,
        overruns: 0,
        scan_count: 201,
      },
    ]);
  });

  it.each(['status-empty-stats', 'status-stopped-stats'])('%s has an empty task list', (file) => {
    expect(parseStatus(body(file)).tasks).toEqual([]);
  });

  it('an unknown status word is bad_answer, not a crash', () => {
    expect(badAnswer(() => parseStatus({ status: 'STATUS:EXPLODED' })).message).toContain('STATUS:EXPLODED');
    badAnswer(() => parseStatus({ status: 'RUNNING' }));
  });

  it('names the field that does not fit', () => {
    const running = body('status-running-stats') as { timing_stats: { tasks: Array<Record<string, unknown>> } };
    const broken = structuredClone(running);
    broken.timing_stats.tasks[0]!.overruns = -1;
    expect(badAnswer(() => parseStatus(broken)).message).toContain('timing_stats.tasks.0.overruns');
    expect(badAnswer(() => parseStatus({})).message).toContain('status');
    expect(badAnswer(() => parseStatus('<html>')).message).toContain('(body)');
  });
});

describe('login, start, stop, create-user', () => {
  it('reads the access token', () => {
    expect(parseLogin(body('login-ok'))).toBe('<jwt>');
    expect(badAnswer(() => parseLogin({ token: 'x' })).message).toContain('access_token');
  });

  it.each([
    ['start-plc', 'START', 'START:OK'],
    ['start-plc-no-program', 'START', 'START:OK'],
    ['start-plc-already-running', 'START', 'START:ERROR_ALREADY_RUNNING'],
    ['stop-plc', 'STOP', 'STOP:OK'],
    ['stop-plc-already-stopped', 'STOP', 'STOP:ERROR'],
  ] as const)('%s answers %s', (file, verb, word) => {
    expect(parseActionWord(body(file), verb)).toBe(word);
  });

  it('a start answer to a stop is bad_answer', () => {
    badAnswer(() => parseActionWord(body('start-plc'), 'STOP'));
    badAnswer(() => parseActionWord(body('unknown-get'), 'START'));
  });

  it('reads a created user', () => {
    expect(parseUserCreated(body('create-user-ok'))).toEqual({ id: 1 });
  });
});

describe('compile and upload', () => {
  it.each(['IDLE', 'COMPILING', 'SUCCESS', 'FAILED'] as const)('compilation-status %s', (state) => {
    const s = parseCompilationStatus(body(`compilation-status-${state}`));
    expect(s.status).toBe(state);
    expect(Array.isArray(s.logs)).toBe(true);
  });

  it('a finished compile has its exit code and log', () => {
    const s = parseCompilationStatus(body('compilation-status-SUCCESS'));
    expect(s.exit_code).toBe(0);
    expect(s.logs.length).toBeGreaterThan(10);
  });

  it("drops the newline the runtime ends each compiler log line with (a shown log is not double-spaced)", () => {
    const s = parseCompilationStatus(body('compilation-status-SUCCESS'));
    expect(s.logs.filter((l) => /[\r\n]$/.test(l))).toEqual([]);
    expect(s.logs[0]).toBe("[DEBUG] update_plugin_configurations called with generated_dir='core/generated'");
  });

  it('an unknown compile state names the field', () => {
    expect(badAnswer(() => parseCompilationStatus({ status: 'BAKING', logs: [], exit_code: null })).message).toContain('status');
  });

  it('reads the upload answers', () => {
    expect(parseUploadAnswer(body('upload-file'))).toEqual({ accepted: true, state: 'COMPILING', reason: '' });
    expect(parseUploadAnswer(body('upload-file-while-compiling'))).toEqual({ accepted: false, state: 'COMPILING', reason: 'Runtime is compiling another program, please wait' });
    expect(parseUploadAnswer(body('upload-file-no-file'))).toEqual({ accepted: false, state: 'FAILED', reason: 'No file part in the request' });
  });
});

describe('runtime logs', () => {
  it.each(['runtime-logs', 'runtime-logs-since-id', 'runtime-logs-level-error'])('%s', (file) => {
    const lines = parseRuntimeLogs(body(file));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(['id', 'level', 'message', 'timestamp']);
  });

  it('since id starts at that id', () => {
    expect(parseRuntimeLogs(body('runtime-logs-since-id'))[0]?.id).toBe(90);
  });

  it('a line without an id names it', () => {
    expect(badAnswer(() => parseRuntimeLogs({ 'runtime-logs': [{ level: 'INFO', message: 'x', timestamp: 't' }] })).message).toContain('runtime-logs.0.id');
  });
});

describe('refusals', () => {
  it.each([
    ['unauthorized', 'Missing Authorization Header'],
    ['revoked-token', 'Token has been revoked'],
    ['create-user-exists', 'User already created!'],
    ['create-user-missing-fields', 'Missing username or password'],
    ['login-wrong', 'Wrong username or password'],
  ])('%s says %s', (file, msg) => {
    expect(refusalMessage(body(file))).toBe(msg);
  });

  it('a 422 with a decoding error keeps its words', () => {
    expect(recorded('bad-token').status).toBe(422);
    expect(refusalMessage(body('bad-token'))).toContain('Invalid header string');
  });

  it('an HTML error page is never passed on as text', () => {
    expect(refusalMessage(body('login-form-encoded'))).toBe('no reason given');
    expect(refusalMessage(body('not-found'))).toBe('no reason given');
  });
});
