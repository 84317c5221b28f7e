/**
 * Upload a program and follow its compile (docs/plc.md "Program upload"): one multipart POST, then
 * `compilation-status` every `pollMs` until SUCCESS or FAILED, each change handed to `progress` as it is seen.
 */
import type { CompileProgress } from '../../../../shared/domain/plc.js';
import { CompileState } from '../../../../shared/domain/plc.js';
import { sleep } from '../../../lib/time/clock.js';
import type { RuntimeSession } from './session.js';
import type { ProgramBundle } from './upload.js';

export type CompileOptions = { pollMs: number; timeoutMs: number; uploadTimeoutMs: number };

const same = (a: CompileProgress, b: CompileProgress): boolean => a.state === b.state && a.logs.length === b.logs.length && a.exit_code === b.exit_code && a.error === b.error;

export async function followCompile(
  session: Pick<RuntimeSession, 'uploadFile' | 'compilationStatus'>,
  name: string,
  bundle: ProgramBundle,
  opts: CompileOptions,
  progress: (p: CompileProgress) => void,
  shutdown: AbortSignal,
): Promise<CompileProgress> {
  const answer = await session.uploadFile(bundle, opts.uploadTimeoutMs, shutdown);
  const upState = CompileState.safeParse(answer.state);
  if (!answer.accepted) {
    const refused: CompileProgress = { name, state: upState.success ? upState.data : 'FAILED', logs: [], exit_code: null, error: `the runtime did not take the program: ${answer.reason}` };
    progress(refused);
    return refused;
  }
  let last: CompileProgress = { name, state: upState.success ? upState.data : 'COMPILING', logs: [], exit_code: null, error: null };
  progress(last);
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    await sleep(opts.pollMs, shutdown);
    const s = await session.compilationStatus(shutdown);
    const next: CompileProgress = { name, state: s.status, logs: s.logs, exit_code: s.exit_code, error: null };
    if (!same(last, next)) progress(next);
    last = next;
    if (next.state === 'SUCCESS' || next.state === 'FAILED') return next;
    if (Date.now() >= deadline) {
      const late: CompileProgress = { ...next, error: `the compile did not end within ${Math.round(opts.timeoutMs / 1000)} s; ask for the compile status later` };
      progress(late);
      return late;
    }
  }
}
