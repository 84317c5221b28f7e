import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WarningBoard } from '../../../../../../electron/workers/orchestrator/context.js';
import { WARNINGS_FILE, WarningsFile } from '../../../../../../electron/workers/orchestrator/status/warnings-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const dir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-warnings-'));
  dirs.push(d);
  return d;
};
const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const onDisk = (d: string): unknown => JSON.parse(readFileSync(path.join(d, WARNINGS_FILE), 'utf8'));

/** A board wired to its file, as the context factory wires it. */
async function open(d: string, exists: (n: string) => boolean = () => true): Promise<{ board: WarningBoard; file: WarningsFile; problem: unknown }> {
  const file = new WarningsFile(d, log, () => 1_800_000_000);
  const board = new WarningBoard(file);
  const problem = await file.restoreInto(board, exists);
  return { board, file, problem };
}

describe('vplc-warnings.json', () => {
  it('keeps every change and gives it back to the next agent', async () => {
    const d = dir();
    const first = await open(d);
    first.board.set('plc-1', 'image', 'using the local copy');
    first.board.set('plc-1', 'mac:eth1', 'MAC not on the wire');
    first.board.set('plc-2', 'dhcp:0', 'no lease');
    first.board.clear('plc-2', 'dhcp:0');
    await first.file.flushed();
    expect(onDisk(d)).toEqual({ version: 1, warnings: { 'plc-1': { image: 'using the local copy', 'mac:eth1': 'MAC not on the wire' } } });

    const next = await open(d);
    expect(next.problem).toBeNull();
    expect(next.board.list('plc-1')).toEqual(['using the local copy', 'MAC not on the wire']);
    expect(next.board.list('plc-2')).toEqual([]);
  });

  it('drops the warnings of vPLCs that no longer exist, from the board and from the file', async () => {
    const d = dir();
    const first = await open(d);
    first.board.set('kept', 'image', 'using the local copy');
    first.board.set('deleted', 'image', 'using the local copy');
    await first.file.flushed();

    const next = await open(d, (n) => n === 'kept');
    expect(next.board.list('deleted')).toEqual([]);
    expect(next.board.list('kept')).toEqual(['using the local copy']);
    await next.file.flushed();
    expect(onDisk(d)).toEqual({ version: 1, warnings: { kept: { image: 'using the local copy' } } });
  });

  it('does not keep warnings that a restart makes meaningless (runtime wait, dependency waits)', async () => {
    const d = dir();
    const first = await open(d);
    first.board.set('plc-1', 'runtime', 'runtime API not answering after 60 s');
    first.board.set('plc-1', 'depends-on', 'waiting for db');
    first.board.set('plc-1', 'arp:eth1', 'IP in use by 02:00:00:00:00:01');
    await first.file.flushed();
    expect(onDisk(d)).toEqual({ version: 1, warnings: { 'plc-1': { 'arp:eth1': 'IP in use by 02:00:00:00:00:01' } } });
    expect((await open(d)).board.list('plc-1')).toEqual(['IP in use by 02:00:00:00:00:01']);
  });

  it('moves a corrupt file aside, names the field, and starts empty', async () => {
    const d = dir();
    writeFileSync(path.join(d, WARNINGS_FILE), '{"version":1,"warnings":{"plc-1":{"image":7}}}');
    const { board, problem } = await open(d);
    expect(problem).toMatchObject({ file: path.join(d, WARNINGS_FILE), movedTo: path.join(d, `${WARNINGS_FILE}.corrupt-1800000000`) });
    expect((problem as { reason: string }).reason).toContain('warnings.plc-1.image');
    expect(board.list('plc-1')).toEqual([]);
    expect(readdirSync(d)).toEqual([`${WARNINGS_FILE}.corrupt-1800000000`]);
  });

  it('self-destruct: wipe deletes the file, and nothing writes it again', async () => {
    const d = dir();
    const { board, file } = await open(d);
    board.set('plc-1', 'image', 'using the local copy');
    await board.wipe();
    board.set('plc-1', 'runtime', 'late');
    await file.flushed();
    expect(readdirSync(d)).toEqual([]);
    expect(board.list('plc-1')).toEqual(['late']);
  });

  it('writes nothing for a warning set again with the same text', async () => {
    const d = dir();
    let saves = 0;
    const board = new WarningBoard({ save: () => void saves++, flushed: () => Promise.resolve(), remove: () => Promise.resolve() });
    board.set('plc-1', 'depends-on', 'waiting for db');
    board.set('plc-1', 'depends-on', 'waiting for db');
    board.clear('plc-1', 'absent');
    board.clearPrefix('plc-1', 'mac:');
    expect(saves).toBe(1);
    board.clear('plc-1');
    expect(saves).toBe(2);
    expect(readdirSync(d)).toEqual([]);
  });
});
