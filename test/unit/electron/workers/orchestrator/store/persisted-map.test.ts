/** PersistedMap writes validate and serialise only the changed entry, and still write exactly the whole-map JSON. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PersistedMap } from '../../../../../../electron/workers/orchestrator/store/persisted-map.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmpFile = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-pmap-'));
  dirs.push(d);
  return path.join(d, 'map.json');
};

let checks = 0;
const Entry = z
  .object({ ip: z.string().min(1), tags: z.array(z.string()).default([]), note: z.string().optional() })
  .superRefine(() => void checks++);
type Entry = z.infer<typeof Entry>;

const open = async (file: string): Promise<PersistedMap<Entry>> => {
  const m = new PersistedMap(file, Entry);
  await m.load(() => undefined);
  return m;
};

describe('PersistedMap writes', () => {
  it('validates only the changed entry, whatever the map holds', async () => {
    const file = tmpFile();
    const seed = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`v${i}`, { ip: `198.18.0.${i}`, tags: ['a'] }]));
    writeFileSync(file, JSON.stringify(seed));
    checks = 0;
    const m = await open(file);
    expect(checks).toBe(200);
    checks = 0;
    await m.mutate('v7', (cur) => (cur ? { ...cur, note: 'x' } : undefined));
    await m.mutate('new', () => ({ ip: '198.18.1.1', tags: [] }));
    await m.mutate('v8', () => undefined);
    expect(checks).toBe(2);
    expect(m.keys()).toHaveLength(200);
  });

  it('writes byte for byte what JSON.stringify(map, null, 2) writes, for any key', async () => {
    const file = tmpFile();
    const m = await open(file);
    await m.mutate('__proto__', () => ({ ip: 'a\nb "q"', tags: ['x', 'y\n'] }));
    await m.mutate('constructor', () => ({ ip: '198.18.0.1', tags: [], note: 'n' }));
    await m.mutate('toString', () => ({ ip: '198.18.0.2', tags: ['z'] }));
    await m.mutate('constructor', () => undefined);
    const expected: Record<string, unknown> = {};
    Object.defineProperty(expected, '__proto__', { value: { ip: 'a\nb "q"', tags: ['x', 'y\n'] }, enumerable: true, writable: true, configurable: true });
    expected['toString'] = { ip: '198.18.0.2', tags: ['z'] };
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify(expected, null, 2) + '\n');
    await m.mutate('__proto__', () => undefined);
    await m.mutate('toString', () => undefined);
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
  });

  it('keeps in memory what it wrote: the schema output, defaults included', async () => {
    const file = tmpFile();
    const m = await open(file);
    await m.mutate('a', () => ({ ip: '198.18.0.1' }) as Entry);
    expect(m.get('a')).toEqual({ ip: '198.18.0.1', tags: [] });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: { ip: '198.18.0.1', tags: [] } });
  });

  it('refuses an invalid entry with its key and field, leaving memory and file as they were', async () => {
    const file = tmpFile();
    const m = await open(file);
    await m.mutate('a', () => ({ ip: '198.18.0.1', tags: [] }));
    const before = readFileSync(file, 'utf8');
    const err = await m.mutate('b', () => ({ ip: '', tags: [] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(z.ZodError);
    expect((err as z.ZodError).issues[0]?.path).toEqual(['b', 'ip']);
    expect(m.keys()).toEqual(['a']);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(path.dirname(file))).toEqual(['map.json']);
    // The queue goes on after a refusal.
    await m.mutate('c', () => ({ ip: '198.18.0.3', tags: [] }));
    expect(m.keys()).toEqual(['a', 'c']);
  });

  it('still quarantines a corrupt file on load and starts empty', async () => {
    const file = tmpFile();
    writeFileSync(file, JSON.stringify({ a: { ip: '' } }));
    const problems: string[] = [];
    const m = new PersistedMap(file, Entry);
    await m.load((p) => problems.push(p.reason));
    expect(problems).toHaveLength(1);
    expect(m.keys()).toEqual([]);
    expect(readdirSync(path.dirname(file)).some((f) => f.startsWith('map.json.corrupt-'))).toBe(true);
  });
});
