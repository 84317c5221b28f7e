import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JsonStore } from '../../../../../electron/lib/fs/json-store.js';

const Schema = z.record(z.string(), z.object({ ip: z.string() }));
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('JsonStore', () => {
  it('reports a missing file as missing', async () => {
    expect(await new JsonStore(path.join(tmp(), 'a.json'), Schema).load()).toEqual({ kind: 'missing' });
  });

  it('round-trips a value written atomically, leaving no temp file', async () => {
    const dir = tmp();
    const s = new JsonStore(path.join(dir, 'clients.json'), Schema);
    await s.save({ p1: { ip: '172.29.0.10' } });
    expect(await s.load()).toEqual({ kind: 'ok', value: { p1: { ip: '172.29.0.10' } } });
    expect(readdirSync(dir)).toEqual(['clients.json']);
  });

  it('quarantines a file that is not JSON instead of replacing it', async () => {
    const dir = tmp();
    const file = path.join(dir, 'clients.json');
    writeFileSync(file, '{"p1": {"ip": ');
    const loaded = await new JsonStore(file, Schema, () => 1700000000).load();
    expect(loaded).toMatchObject({ kind: 'corrupt', movedTo: `${file}.corrupt-1700000000` });
    expect(readFileSync(`${file}.corrupt-1700000000`, 'utf8')).toBe('{"p1": {"ip": ');
    expect(readdirSync(dir)).toEqual(['clients.json.corrupt-1700000000']);
  });

  it('quarantines a file that fails the schema and names the field', async () => {
    const file = path.join(tmp(), 'clients.json');
    writeFileSync(file, JSON.stringify({ p1: { ip: 5 } }));
    const loaded = await new JsonStore(file, Schema, () => 1).load();
    expect(loaded.kind).toBe('corrupt');
    expect(loaded.kind === 'corrupt' && loaded.reason).toMatch(/^p1\.ip: /);
  });

  it('never overwrites an earlier quarantined copy', async () => {
    const file = path.join(tmp(), 'x.json');
    const s = new JsonStore(file, Schema, () => 7);
    writeFileSync(file, 'first');
    await s.load();
    writeFileSync(file, 'second');
    const second = await s.load();
    expect(second).toMatchObject({ movedTo: `${file}.corrupt-7.1` });
    expect(readFileSync(`${file}.corrupt-7`, 'utf8')).toBe('first');
  });

  it('serialises concurrent saves so the last one wins', async () => {
    const file = path.join(tmp(), 'x.json');
    const s = new JsonStore(file, Schema);
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.save({ [`p${i}`]: { ip: String(i) } })));
    expect(await s.load()).toEqual({ kind: 'ok', value: { p19: { ip: '19' } } });
  });
});
