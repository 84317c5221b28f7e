import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { FATAL_EXIT_CODE, installFatalHandlers, runMain, type FatalOptions, type ProcessEvents } from '../../../../../electron/lib/process/fatal.js';

/** A fake process (an EventEmitter) and recorded exits and stderr. */
function harness(): { proc: ProcessEvents & EventEmitter; exits: number[]; err: string[]; o: FatalOptions } {
  const exits: number[] = [];
  const err: string[] = [];
  return { proc: new EventEmitter() as ProcessEvents & EventEmitter, exits, err, o: { name: 'vplc-test', exit: (c) => void exits.push(c), stderr: (t) => void err.push(t) } };
}

describe('installFatalHandlers', () => {
  it('logs an uncaught exception with its stack to stderr and the attached log, and exits non-zero', () => {
    const h = harness();
    const logged: Array<[string, Record<string, unknown>]> = [];
    installFatalHandlers(h.proc, h.o).attach((m, d) => void logged.push([m, d]));
    h.proc.emit('uncaughtException', new Error('boom'));
    expect(h.exits).toEqual([FATAL_EXIT_CODE]);
    expect(FATAL_EXIT_CODE).not.toBe(0);
    expect(h.err.join('')).toMatch(/^vplc-test: uncaught exception: Error: boom\n {4}at /);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.[0]).toMatch(/^uncaught exception; exiting \(code 70\)/);
    expect(String(logged[0]?.[1].err)).toContain('boom');
  });

  it('treats an unhandled rejection (also of a non-Error) the same way', () => {
    const h = harness();
    installFatalHandlers(h.proc, h.o);
    h.proc.emit('unhandledRejection', 'just a string');
    expect(h.exits).toEqual([FATAL_EXIT_CODE]);
    expect(h.err).toEqual(['vplc-test: unhandled promise rejection: just a string\n']);
  });

  it('exits once even when a broken log throws and more failures follow', () => {
    const h = harness();
    installFatalHandlers(h.proc, h.o).attach(() => {
      throw new Error('disk full');
    });
    h.proc.emit('uncaughtException', new Error('first'));
    h.proc.emit('unhandledRejection', new Error('second'));
    expect(h.exits).toEqual([FATAL_EXIT_CODE]);
    expect(h.err).toHaveLength(1);
  });

  it('lets an owner take an error that belongs to a part it restarts, and exits for every other', () => {
    const h = harness();
    const fatal = installFatalHandlers(h.proc, h.o);
    const taken: unknown[] = [];
    fatal.claim((err) => err instanceof Error && err.message.startsWith('service:') && taken.push(err) > 0);
    h.proc.emit('uncaughtException', new Error('service: boom'));
    h.proc.emit('unhandledRejection', new Error('service: rejected'));
    expect(taken).toHaveLength(2);
    expect(h.exits).toEqual([]);
    expect(h.err).toEqual([]);
    h.proc.emit('uncaughtException', new Error('the agent itself'));
    expect(h.exits).toEqual([FATAL_EXIT_CODE]);
    expect(h.err.join('')).toContain('uncaught exception: Error: the agent itself');
  });

  it('exits when the owner itself throws while judging an error', () => {
    const h = harness();
    installFatalHandlers(h.proc, h.o).claim(() => {
      throw new Error('owner broke');
    });
    h.proc.emit('unhandledRejection', new Error('service: rejected'));
    expect(h.exits).toEqual([FATAL_EXIT_CODE]);
    expect(h.err.join('')).toContain('service: rejected');
  });
});

describe('runMain', () => {
  it("exits with the task's code", async () => {
    const h = harness();
    await runMain(() => Promise.resolve(3), h.proc, h.o);
    expect(h.exits).toEqual([3]);
  });

  it('exits 1 when the task rejects or throws, and says why', async () => {
    const h = harness();
    await runMain(() => Promise.reject(new Error('EISDIR: illegal operation on a directory, read')), h.proc, h.o);
    await runMain(() => {
      throw new Error('sync');
    }, h.proc, h.o);
    expect(h.exits).toEqual([1, 1]);
    expect(h.err[0]).toMatch(/^vplc-test: Error: EISDIR/);
  });

  it('hands the task handlers that are installed on the process', async () => {
    const h = harness();
    await runMain(
      (fatal) => {
        fatal.attach(() => undefined);
        h.proc.emit('uncaughtException', new Error('later'));
        return Promise.resolve(0);
      },
      h.proc,
      h.o,
    );
    expect(h.exits).toEqual([FATAL_EXIT_CODE, 0]);
  });
});
