import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ORCH = 'electron/workers/orchestrator';

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((e) => {
    const rel = path.join(dir, e);
    if (statSync(path.join(root, rel)).isDirectory()) return sources(rel);
    return e.endsWith('.ts') ? [rel] : [];
  });
}

/** The executor and the engine wrapper it calls: the only files allowed to write to Docker (docs/architecture.md). */
const WRITERS = new Set([`${ORCH}/exec/executor.ts`, `${ORCH}/docker/engine.ts`]);

/** Calls that create something in Docker. */
const CREATE = /\b(createContainer|createNetwork|createVolume|createImage|buildImage|importImage|loadImage|prune(?:Containers|Images|Networks|Volumes|Builder))\s*\(/g;
/** A container/network/image handle used for anything but reading it. */
const HANDLE = /\bget(Container|Network|Image)\s*\((?:[^()]|\([^()]*\))*\)(?!\s*\.\s*(inspect|logs|stats|distribution|exec|top|attach)\s*\()/g;

/** Every Docker write call outside the writers, as `file:line: text`. */
function dockerWrites(files: Array<{ file: string; text: string }>): string[] {
  return files.flatMap(({ file, text }) => {
    if (WRITERS.has(file)) return [];
    return [...text.matchAll(CREATE), ...text.matchAll(HANDLE)].map((m) => {
      const line = text.slice(0, m.index).split('\n').length;
      return `${file}:${line}: ${m[0].replace(/\s+/g, ' ').slice(0, 80)}`;
    });
  });
}

describe('one executor for Docker writes (docs/architecture.md "Who writes to Docker")', () => {
  it('finds no Docker write API call in the orchestrator outside the executor and the engine wrapper', () => {
    const files = sources(ORCH).map((file) => ({ file, text: readFileSync(path.join(root, file), 'utf8') }));
    expect(files.length).toBeGreaterThan(50);
    expect(dockerWrites(files)).toEqual([]);
  });

  it('recognises the write calls it must refuse, and lets reads through', () => {
    const text = [
      'await ctx.engine.docker.createContainer(opts);',
      'await ctx.engine.docker.getContainer(id).stop({ t: 10 });',
      'const c = ctx.engine.docker.getContainer(info.Id);',
      'await ctx.engine.docker\n  .getNetwork(n.Id)\n  .connect({ Container: id });',
      'await docker.getImage(tag).remove();',
      'await docker.importImage(stream, { repo });',
      'await docker.getContainer(id).inspect();',
      'const raw = await docker.getContainer(id).logs({ follow: false });',
      'await docker.getImage(ref).distribution();',
      'this.usage.start(); watchdog.stop();',
    ].join('\n');
    const hits = dockerWrites([{ file: `${ORCH}/x.ts`, text }]);
    expect(hits.map((h) => Number(h.split(':')[1])).sort((a, b) => a - b)).toEqual([1, 2, 3, 5, 7, 8]);
    expect(dockerWrites([{ file: `${ORCH}/exec/executor.ts`, text }])).toEqual([]);
  });
});
