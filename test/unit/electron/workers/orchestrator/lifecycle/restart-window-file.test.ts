import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CrashGuard } from '../../../../../../electron/workers/orchestrator/lifecycle/crash-guard.js';
import { RestartWindowFile } from '../../../../../../electron/workers/orchestrator/lifecycle/restart-window-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-window-'));
  dirs.push(d);
  return d;
};
const logged: Array<{ msg: string; data?: Record<string, unknown> }> = [];
const log = { debug: () => undefined, info: () => undefined, warn: (msg: string, data?: Record<string, unknown>) => void logged.push({ msg, data }), error: (msg: string, data?: Record<string, unknown>) => void logged.push({ msg, data }) };

describe('restart-window.json', () => {
  it('is written after each change and read back by the next agent', async () => {
    const d = dir();
    let wall = 1_800_000_000_000;
    const file = new RestartWindowFile(d, log, () => wall);
    const g: CrashGuard = new CrashGuard(2, 600_000, () => wall, () => file.save(g));
    g.record('plc-1');
    g.record('plc-1');
    await file.flushed();
    expect(JSON.parse(readFileSync(path.join(d, 'restart-window.json'), 'utf8'))).toEqual({ version: 1, restarts: { 'plc-1': [wall, wall] } });

    wall += 5_000;
    const next = new CrashGuard(2, 600_000, () => 0);
    new RestartWindowFile(d, log, () => wall).restoreInto(next);
    expect(next.suspended('plc-1')).toBe(true);
  });

  it('moves a corrupt file aside, reports it and starts with an empty window', () => {
    const d = dir();
    writeFileSync(path.join(d, 'restart-window.json'), '{"version":1,"restarts":{"p":["x"]}}');
    const g = new CrashGuard(2, 600_000, () => 0);
    new RestartWindowFile(d, log, () => 1_800_000_000_000).restoreInto(g);
    expect(g.count('p')).toBe(0);
    expect(readdirSync(d)).toEqual(['restart-window.json.corrupt-1800000000']);
    expect(logged.at(-1)).toMatchObject({ msg: 'persisted file was corrupt and has been moved aside', data: { reason: 'restarts.p.0: Invalid input: expected number, received string' } });
  });

  it('never overwrites an earlier corrupt copy from the same second', () => {
    const d = dir();
    writeFileSync(path.join(d, 'restart-window.json.corrupt-1800000000'), 'earlier');
    writeFileSync(path.join(d, 'restart-window.json'), 'not json');
    new RestartWindowFile(d, log, () => 1_800_000_000_000).restoreInto(new CrashGuard(2, 600_000, () => 0));
    expect(readdirSync(d).sort()).toEqual(['restart-window.json.corrupt-1800000000', 'restart-window.json.corrupt-1800000000.1']);
    expect(readFileSync(path.join(d, 'restart-window.json.corrupt-1800000000'), 'utf8')).toBe('earlier');
    expect(logged.at(-1)?.data).toMatchObject({ movedTo: path.join(d, 'restart-window.json.corrupt-1800000000.1') });
    expect(String(logged.at(-1)?.data?.reason)).toMatch(/^not JSON: /);
  });
});
