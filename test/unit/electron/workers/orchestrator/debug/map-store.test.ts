import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DebugMap } from '../../../../../../shared/debug/debug-map.js';
import { DebugMapStore, MAPS_DIR, MapError, readDebugMapFile } from '../../../../../../electron/workers/orchestrator/debug/map-store.js';
import type { StoreProblem } from '../../../../../../electron/workers/orchestrator/store/state-store.js';
import { storedZip } from '../../../../../images/program-zip.js';
import { LiveVars } from '../../../../../../electron/workers/orchestrator/debug/live-vars.js';
import { WorkerError } from '../../../../../../electron/lib/worker/host.js';
import { FakeDebugSessions } from './fake-debug-session.js';

const MAP_TEXT = readFileSync(path.resolve(__dirname, '../../../../../fixtures/openplc-runtime-v4.1.4/debug/debug-map.json'), 'utf8');
const MAP = DebugMap.parse(JSON.parse(MAP_TEXT));
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('DebugMapStore', () => {
  let dir: string;
  let problems: StoreProblem[];
  const open = (): DebugMapStore => new DebugMapStore(dir, { log: quiet, report: (p) => void problems.push(p), nowIso: () => '2026-12-05T12:00:00.000Z' });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vplc-maps-'));
    problems = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists a map per vPLC, owner-only, readable by the next agent', async () => {
    await open().put('plc1', MAP, 'upload', '/home/u/blink.zip');
    const file = path.join(dir, MAPS_DIR, 'plc1.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await open().get('plc1')).toEqual({ version: 1, source: 'upload', source_name: 'blink.zip', saved_at: '2026-12-05T12:00:00.000Z', map: MAP });
    expect(await open().get('plc2')).toBeNull();
    // Only the file itself: the atomic write left no temp file behind.
    expect(readdirSync(path.join(dir, MAPS_DIR))).toEqual(['plc1.json']);
  });

  it('moves a corrupt file aside, reports it and answers no map (never a silent replacement)', async () => {
    mkdirSync(path.join(dir, MAPS_DIR), { recursive: true });
    const file = path.join(dir, MAPS_DIR, 'plc1.json');
    writeFileSync(file, '{"version":1,"source":"upload","source_name":"x","saved_at":"t","map":{"md5":"zz"}}');
    expect(await open().get('plc1')).toBeNull();
    expect(problems).toEqual([{ file, movedTo: expect.stringMatching(/plc1\.json\.corrupt-\d+$/), reason: expect.stringMatching(/^map\./) }]);
    expect(readFileSync(problems[0]?.movedTo ?? '', 'utf8')).toMatch(/"md5":"zz"/);
    expect(readdirSync(path.join(dir, MAPS_DIR)).filter((f) => f === 'plc1.json')).toEqual([]);
  });

  it('removes a vPLC\'s map, and says whether there was one', async () => {
    const s = open();
    await s.put('plc1', MAP, 'file', 'debug-map.json');
    expect(await s.remove('plc1')).toBe(true);
    expect(await s.remove('plc1')).toBe(false);
    expect(await s.get('plc1')).toBeNull();
  });
});

describe('readDebugMapFile', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'vplc-mapfile-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const refused = async (file: string): Promise<string> => {
    try {
      await readDebugMapFile(file);
    } catch (err) {
      if (err instanceof MapError) return err.message;
      throw err;
    }
    throw new Error('expected a MapError');
  };

  it('reads debug-map.json itself or a program bundle holding it', async () => {
    writeFileSync(path.join(dir, 'debug-map.json'), MAP_TEXT);
    writeFileSync(path.join(dir, 'bundle.zip'), storedZip({ 'program.st': 'x', 'debug-map.json': MAP_TEXT }));
    expect(await readDebugMapFile(path.join(dir, 'debug-map.json'))).toEqual(MAP);
    expect(await readDebugMapFile(path.join(dir, 'bundle.zip'))).toEqual(MAP);
  });

  it('names what is wrong', async () => {
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...MAP, md5: 'short' }));
    writeFileSync(path.join(dir, 'text.json'), 'not json');
    writeFileSync(path.join(dir, 'nomap.zip'), storedZip({ 'program.st': 'x' }));
    writeFileSync(path.join(dir, 'cut.zip'), storedZip({ 'debug-map.json': MAP_TEXT }).subarray(0, 60));
    expect(await refused(path.join(dir, 'bad.json'))).toBe('debug-map.json is not a variable map: md5: expected 32 hex characters');
    expect(await refused(path.join(dir, 'text.json'))).toMatch(/not JSON/);
    expect(await refused(path.join(dir, 'nomap.zip'))).toBe('nomap.zip holds no debug-map.json');
    expect(await refused(path.join(dir, 'cut.zip'))).toMatch(/no end of central directory/);
    expect(await refused(path.join(dir, 'missing.json'))).toBe(`${path.join(dir, 'missing.json')}: no such file on this PC`);
    mkdirSync(path.join(dir, 'folder.json'));
    expect(await refused(path.join(dir, 'folder.json'))).toMatch(/is not a file/);
    expect(await refused('debug-map.json')).toMatch(/full path/);
  });

  // The agent may run as root and read any file: a refusal must not tell the caller what a file holds.
  it('never quotes the content of the file it refuses', async () => {
    writeFileSync(path.join(dir, 'shadow.json'), 'SECRET-xyz:$6$salt$hash:19000:0:99999:7:::\n');
    writeFileSync(path.join(dir, 'keyed.json'), JSON.stringify({ ...MAP, typeTags: { 'SECRET-key': 'SECRET-value' } }));
    writeFileSync(path.join(dir, 'unknown.json'), JSON.stringify({ 'SECRET-field': 'SECRET-value' }));
    writeFileSync(path.join(dir, 'inside.zip'), storedZip({ 'debug-map.json': 'SECRET-xyz' }));
    const sealed = storedZip({ 'SECRET-dir/debug-map.json': MAP_TEXT });
    sealed.writeUInt16LE(1, sealed.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 8);
    writeFileSync(path.join(dir, 'sealed.zip'), sealed);
    const reasons = await Promise.all(['shadow.json', 'keyed.json', 'unknown.json', 'inside.zip', 'sealed.zip'].map((f) => refused(path.join(dir, f))));
    expect(reasons).toEqual([
      'debug-map.json is not a variable map: not JSON',
      'debug-map.json is not a variable map: typeTags.*: Invalid input: expected number, received string',
      'debug-map.json is not a variable map: version: Invalid input: expected number, received undefined',
      'debug-map.json is not a variable map: not JSON',
      'debug-map.json is encrypted in the archive',
    ]);
    for (const r of reasons) expect(r).not.toMatch(/SECRET/);
  });

  it('opens only .json and .zip files, whatever they hold', async () => {
    writeFileSync(path.join(dir, 'map.txt'), MAP_TEXT);
    writeFileSync(path.join(dir, 'map'), MAP_TEXT);
    const file = path.join(dir, 'map.txt');
    expect(await refused(file)).toBe(`${file}: a variable map is read from debug-map.json (.json) or from the program bundle (.zip) holding it`);
    expect(await refused(path.join(dir, 'map'))).toMatch(/\(\.json\) or from the program bundle \(\.zip\)/);
    expect(await refused('/etc/shadow')).toMatch(/^\/etc\/shadow: a variable map is read from/);
    writeFileSync(path.join(dir, 'UPPER.JSON'), MAP_TEXT);
    expect(await readDebugMapFile(path.join(dir, 'UPPER.JSON'))).toEqual(MAP);
  });
});

describe('LiveVars.loadMap of a file the user named', () => {
  let dir: string;
  let live: LiveVars;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vplc-mapload-'));
    const maps = new DebugMapStore(dir, { log: quiet, report: () => undefined });
    live = new LiveVars({ sessions: () => new FakeDebugSessions(new Map()), maps, exists: (n) => n === 'plc1', hasCredentials: () => false, now: () => 0, log: quiet, idleMs: 10_000 });
  });
  afterEach(async () => {
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const refusal = async (file: string): Promise<WorkerError> => {
    try {
      await live.loadMap('plc1', file, 'ui');
    } catch (err) {
      if (err instanceof WorkerError) return err;
      throw err;
    }
    throw new Error('expected a refusal');
  };

  it('refuses on path, without the secret a file holds or another kind of file', async () => {
    const secret = path.join(dir, 'secret.json');
    writeFileSync(secret, 'SECRET-xyz');
    const e = await refusal(secret);
    expect([e.code, e.field]).toEqual(['VALIDATION', 'path']);
    expect(e.message).not.toMatch(/SECRET/);
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, MAP_TEXT);
    const t = await refusal(text);
    expect([t.code, t.field]).toEqual(['VALIDATION', 'path']);
    expect(t.message).toMatch(/\.json\) or from the program bundle \(\.zip\)/);
  });
});
