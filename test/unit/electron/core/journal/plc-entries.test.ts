// The journal's PLC entries: state changes the monitor tells, and the PLC actions of the local API; never a password.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../../../electron/core/journal/journal.js';
import { JournalRecorder } from '../../../../../electron/core/journal/recorder.js';
import { VplcChange } from '../../../../../shared/domain/operations.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function journal(): Promise<{ j: Journal; r: JournalRecorder; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-plc-journal-'));
  dirs.push(dir);
  const j = new Journal(dir, { warn: () => undefined });
  await j.open();
  return { j, r: new JournalRecorder(j), dir };
}

const flushed = async (j: Journal): Promise<void> => {
  await j.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
};
const rows = (j: Journal): string[] => j.list(50).reverse().filter((e) => e.vplc !== 'marker').map((e) => `${e.vplc} ${e.action} ${e.requestedBy} ${e.result} (${e.detail ?? ''})`);
const ok = <T>(value: T) => ({ ok: true as const, value });

describe('journal: PLC', () => {
  it('records PLC state changes as the agent’s, a fault as an error, and a fault restart', async () => {
    const { j, r } = await journal();
    for (const detail of ['RUNNING → STOPPED', 'PLC fault: RUNNING → ERROR (the runtime restarts its core)', 'PLC fault over: ERROR → RUNNING', 'runtime refused the stored credentials: give new ones']) {
      r.event(VplcChange.parse({ kind: 'changed', name: 'plc-a', reason: 'plc-state', detail }));
    }
    r.event(VplcChange.parse({ kind: 'changed', name: 'plc-a', reason: 'plc-state' })); // a UI refresh only
    r.event(VplcChange.parse({ kind: 'changed', name: 'plc-a', reason: 'plc-fault-restart', detail: 'PLC fault since X lasted longer than 120 s: the container is restarted' }));
    await flushed(j);
    expect(rows(j)).toEqual([
      'plc-a plc-state agent ok (RUNNING → STOPPED)',
      'plc-a plc-state agent error (PLC fault: RUNNING → ERROR (the runtime restarts its core))',
      'plc-a plc-state agent ok (PLC fault over: ERROR → RUNNING)',
      'plc-a plc-state agent error (runtime refused the stored credentials: give new ones)',
      'plc-a auto-restart agent error (PLC fault since X lasted longer than 120 s: the container is restarted)',
    ]);
  });

  it('records every PLC action of the API with its outcome, and never the password, even in an error', async () => {
    const { j, r, dir } = await journal();
    const secret = 's3cret-Pa55';
    r.api('plc:start', { name: 'plc-a', confirm: true }, ok({ ok: true, answer: 'START:OK', message: 'the PLC program runs', status: 'RUNNING' }), 'ui');
    r.api('plc:stop', { name: 'plc-a', confirm: true }, ok({ ok: false, answer: 'STOP:ERROR', message: 'the PLC was not running', status: 'STOPPED' }), 'cli');
    r.api('plc:upload', { name: 'plc-a', path: '/tmp/p.zip', confirm: true }, ok({ name: 'plc-a', state: 'COMPILING', logs: [], exit_code: null, error: null }), 'ui');
    r.api('plc:upload', { name: 'plc-a', path: '/tmp/p.zip', confirm: true }, ok({ name: 'plc-a', state: 'SUCCESS', logs: ['[INFO] Build finished successfully'], exit_code: 0, error: null }), 'ui');
    r.api('plc:upload', { name: 'plc-a', path: '/tmp/p.zip', confirm: true }, ok({ name: 'plc-a', state: 'FAILED', logs: ['[ERROR] Compilation failed'], exit_code: 1, error: null }), 'cli');
    r.api('plc:set-credentials', { name: 'plc-a', username: 'op', password: secret }, ok({ outcome: 'verified', message: 'ok' }), 'ui');
    r.api('plc:set-credentials', { name: 'plc-a', username: 'op', password: secret }, { ok: false, error: { code: 'INTERNAL', message: `login failed for ${secret}` } }, 'cli');
    r.api('plc:create-user', { name: 'plc-a', username: 'op', password: secret }, ok({ outcome: 'verified', message: 'created' }), 'ui');
    r.api('plc:clear-credentials', { name: 'plc-a', confirm: true }, ok(null), 'ui');
    await flushed(j);
    expect(rows(j)).toEqual([
      'plc-a plc-start ui ok (the runtime answered START:OK: the PLC program runs)',
      'plc-a plc-stop cli error (the runtime answered STOP:ERROR: the PLC was not running)',
      'plc-a plc-upload ui accepted (program uploaded; compile COMPILING)',
      'plc-a plc-upload ui ok (program uploaded; compile SUCCESS)',
      'plc-a plc-upload cli error (program uploaded; compile FAILED)',
      'plc-a plc-credentials ui ok (runtime credentials stored (verified))',
      'plc-a plc-credentials cli error (login failed for ***)',
      "plc-a plc-create-user ui ok (runtime's first user created (verified))",
      'plc-a plc-credentials ui ok (runtime credentials removed)',
    ]);
    for (const f of readdirSync(dir)) expect(readFileSync(path.join(dir, f), 'utf8')).not.toContain(secret);
  });
});
