/** Program bundles (read and checked before any request) and following a compile to its end. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompileProgress } from '../../../../../../shared/domain/plc.js';
import { WorkerError } from '../../../../../../electron/lib/worker/host.js';
import { followCompile } from '../../../../../../electron/workers/orchestrator/plc/compile.js';
import type { CompilationStatus } from '../../../../../../electron/workers/orchestrator/plc/answers.js';
import { readProgramBundle } from '../../../../../../electron/workers/orchestrator/plc/upload.js';
import { recorded } from './fixtures.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function file(name: string, content: Buffer | string): string {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-bundle-'));
  dirs.push(d);
  const p = path.join(d, name);
  writeFileSync(p, content);
  return p;
}

async function refused(p: Promise<unknown>): Promise<WorkerError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WorkerError);
  expect((e as WorkerError).code).toBe('VALIDATION');
  expect((e as WorkerError).field).toBe('path');
  return e as WorkerError;
}

const ZIP_HEAD = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);

describe('readProgramBundle', () => {
  it('reads a zip with its file name', async () => {
    const b = await readProgramBundle(file('prog.zip', ZIP_HEAD));
    expect(b).toEqual({ filename: 'prog.zip', contentType: 'application/zip', data: ZIP_HEAD });
  });

  it('refuses what is not a zip, too large, missing, a directory or a relative path', async () => {
    expect((await refused(readProgramBundle(file('p.zip', 'PROGRAM x END_PROGRAM')))).message).toContain('not a zip');
    expect((await refused(readProgramBundle(file('p.zip', Buffer.concat([ZIP_HEAD, Buffer.alloc(100)])), 64))).message).toContain('at most 64');
    expect((await refused(readProgramBundle('/nonexistent/p.zip'))).message).toContain('ENOENT');
    await refused(readProgramBundle(tmpdir()));
    await refused(readProgramBundle('p.zip'));
  });
});

describe('followCompile', () => {
  const bundle = { filename: 'p.zip', contentType: 'application/zip', data: ZIP_HEAD };
  const statuses = (list: CompilationStatus[]) => {
    let i = 0;
    return () => Promise.resolve(list[Math.min(i++, list.length - 1)]!);
  };
  const body = (name: string) => recorded(name).body as CompilationStatus;

  it('emits each change once and ends at SUCCESS', async () => {
    const seen: CompileProgress[] = [];
    const compiling = body('compilation-status-COMPILING');
    const session = { uploadFile: () => Promise.resolve({ accepted: true, state: 'COMPILING', reason: '' }), compilationStatus: statuses([compiling, compiling, compiling, body('compilation-status-SUCCESS')]) };
    const r = await followCompile(session, 'v1', bundle, { pollMs: 0, timeoutMs: 60_000, uploadTimeoutMs: 1_000 }, (p) => seen.push(p), new AbortController().signal);
    expect(r.state).toBe('SUCCESS');
    expect(r.exit_code).toBe(0);
    expect(seen.map((p) => `${p.state}:${p.logs.length}`)).toEqual(['COMPILING:0', `COMPILING:${compiling.logs.length}`, `SUCCESS:${r.logs.length}`]);
  });

  it('an upload the runtime does not take ends at once with its reason', async () => {
    const seen: CompileProgress[] = [];
    const session = { uploadFile: () => Promise.resolve({ accepted: false, state: 'COMPILING', reason: 'Runtime is compiling another program, please wait' }), compilationStatus: () => Promise.reject(new Error('not asked')) };
    const r = await followCompile(session, 'v1', bundle, { pollMs: 0, timeoutMs: 60_000, uploadTimeoutMs: 1_000 }, (p) => seen.push(p), new AbortController().signal);
    expect(r).toEqual({ name: 'v1', state: 'COMPILING', logs: [], exit_code: null, error: 'the runtime did not take the program: Runtime is compiling another program, please wait' });
    expect(seen).toEqual([r]);
  });

  it('a compile that does not end in time says so', async () => {
    const session = { uploadFile: () => Promise.resolve({ accepted: true, state: 'COMPILING', reason: '' }), compilationStatus: statuses([body('compilation-status-COMPILING')]) };
    const r = await followCompile(session, 'v1', bundle, { pollMs: 0, timeoutMs: 0, uploadTimeoutMs: 1_000 }, () => undefined, new AbortController().signal);
    expect(r.state).toBe('COMPILING');
    expect(r.error).toContain('did not end');
  });
});
