import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../../../electron/core/journal/journal.js';
import { ENGINE_JOURNAL_NAME, JournalRecorder } from '../../../../../electron/core/journal/recorder.js';
import { VplcName } from '../../../../../shared/domain/vplc.js';

const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-journal-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const warnings: string[] = [];
const log = { warn: (m: string) => void warnings.push(m) };

describe('the journal', () => {
  it('appends entries durably and reads them newest first, per vPLC, across a reopen', async () => {
    const dir = fresh();
    const j = new Journal(dir, log);
    await j.open();
    await j.append({ vplc: 'a', action: 'create', requestedBy: 'ui', result: 'accepted' });
    await j.append({ vplc: 'b', action: 'stop', requestedBy: 'cloud', result: 'ok', detail: 'stopped' });
    await j.append({ vplc: 'a', action: 'delete', requestedBy: 'agent', result: 'error', detail: 'busy' });
    const again = new Journal(dir, log);
    await again.open();
    expect(again.list(10).map((e) => `${e.vplc}:${e.action}:${e.requestedBy}`)).toEqual(['a:delete:agent', 'b:stop:cloud', 'a:create:ui']);
    expect(again.list(10, 'a')).toHaveLength(2);
    expect(again.list(1)).toHaveLength(1);
    expect(statSync(path.join(dir, 'journal.jsonl')).mode & 0o777).toBe(0o600);
  });

  it('skips a torn last line and a garbage line, says so, and keeps appending on a new line', async () => {
    const dir = fresh();
    const good = JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', vplc: 'a', action: 'start', requestedBy: 'ui', result: 'ok' });
    writeFileSync(path.join(dir, 'journal.jsonl'), `${good}\nnot json\n{"ts":"2026-01-01T00:00:01.000Z","vplc":"a","act`);
    const j = new Journal(dir, log);
    await j.open();
    expect(j.list(10)).toHaveLength(1);
    expect(j.problems).toEqual(['journal line 2 is not a journal entry and is skipped', 'the last journal line was cut off (power cut?) and is skipped']);
    await j.append({ vplc: 'a', action: 'stop', requestedBy: 'ui', result: 'ok' });
    const lines = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n');
    expect(JSON.parse(lines.at(-2) ?? '')).toMatchObject({ action: 'stop' });
  });

  it('rotates past 5 MB and keeps three old files', async () => {
    const dir = fresh();
    const j = new Journal(dir, log);
    await j.open();
    for (let i = 0; i < 5; i++) {
      appendFileSync(path.join(dir, 'journal.jsonl'), 'x'.repeat(5 * 1024 * 1024 + 1));
      await j.append({ vplc: 'a', action: 'start', requestedBy: 'ui', result: 'ok' });
    }
    expect(readdirSync(dir).sort()).toEqual(['journal.1.jsonl', 'journal.2.jsonl', 'journal.3.jsonl', 'journal.jsonl']);
    expect((await j.files()).map((f) => path.basename(f))).toEqual(['journal.3.jsonl', 'journal.2.jsonl', 'journal.1.jsonl', 'journal.jsonl']);
  });
});

describe('the journal recorder', () => {
  it('records API changes, cloud commands and the agent’s own actions, and nothing else', async () => {
    const j = new Journal(fresh(), log);
    await j.open();
    const r = new JournalRecorder(j);
    r.api('vplc:stop', { name: 'a', confirm: true }, { ok: true, value: { status: 'success', device_id: 'a', container_status: 'exited', message: 'Container a stopped' } });
    r.api('vplc:create', { name: 'b', vnics: [] }, { ok: true, value: { operationId: 'x' } });
    r.api('vplc:start', { name: 'c' }, { ok: false, error: { code: 'UNAVAILABLE', message: 'worker down' } });
    r.api('vplc:status', { name: 'a' }, { ok: true, value: {} });
    r.cloud('restart_device', { device_id: 'a' }, { status: 'error', error: 'Device not found: a' });
    r.cloud('get_device_status', { device_id: 'a' }, { status: 'success' });
    r.event({ kind: 'changed', name: 'a', reason: 'auto-start:watchdog' });
    r.event({ kind: 'changed', name: 'a', reason: 'dhcp-lease' });
    await j.append({ vplc: 'z', action: 'marker', requestedBy: 'cli', result: 'ok' });
    expect(j.list(20).reverse().map((e) => [e.vplc, e.action, e.requestedBy, e.result, e.detail])).toEqual([
      ['a', 'stop', 'ui', 'ok', 'Container a stopped'],
      ['b', 'create', 'ui', 'accepted', undefined],
      ['c', 'start', 'ui', 'error', 'worker down'],
      ['a', 'restart', 'cloud', 'error', 'Device not found: a'],
      ['a', 'start', 'agent', 'ok', 'started automatically (watchdog)'],
      ['z', 'marker', 'cli', 'ok', undefined],
    ]);
  });

  it('records one entry per Docker engine outage: how long, how many vPLCs it stopped, when each ran again', async () => {
    const j = new Journal(fresh(), log);
    await j.open();
    const r = new JournalRecorder(j);
    r.engineOutage({
      startedAt: '2026-12-04T10:00:00.000Z',
      endedAt: '2026-12-04T10:00:07.500Z',
      reason: 'Docker event stream closed',
      stopped: ['a', 'b'],
      recovered: [{ name: 'a', downMs: 9_200 }],
      notRecovered: ['b'],
      keptRunning: 0,
    });
    r.engineOutage({ startedAt: '2026-12-04T11:00:00.000Z', endedAt: '2026-12-04T11:00:03.000Z', reason: 'Docker event stream closed', stopped: [], recovered: [], notRecovered: [], keptRunning: 3 });
    await j.append({ vplc: 'z', action: 'marker', requestedBy: 'cli', result: 'ok' });
    expect(j.list(20).reverse().map((e) => [e.vplc, e.action, e.requestedBy, e.result, e.detail])).toEqual([
      [ENGINE_JOURNAL_NAME, 'engine-outage', 'agent', 'error', 'Docker engine unavailable for 7.5 s (Docker event stream closed); 2 vPLC(s) stopped by it; running again: a after 9.2 s; not started: b'],
      [ENGINE_JOURNAL_NAME, 'engine-outage', 'agent', 'ok', 'Docker engine unavailable for 3.0 s (Docker event stream closed); no vPLC stopped, 3 kept running'],
      ['z', 'marker', 'cli', 'ok', undefined],
    ]);
    expect(VplcName.safeParse(ENGINE_JOURNAL_NAME).success).toBe(false);
  });
});
