import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { tar } from '../../../../../../electron/lib/archive/tar.js';
import { registryOf } from '../../../../../../electron/workers/orchestrator/create/image.js';
import { NotASaveArchive, readSaveManifest } from '../../../../../../electron/workers/orchestrator/images/archive.js';
import { LoadRefused, loadedImages } from '../../../../../../electron/workers/orchestrator/images/load-messages.js';
import { normalizeRepository, sameRepository, splitRepoTag } from '../../../../../../electron/workers/orchestrator/images/repo-tag.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const manifest = [{ Config: 'abc.json', RepoTags: ['r/openplc-runtime:v1'], Layers: ['l1/layer.tar'] }];
const file = (name: string, data: Buffer): string => {
  const f = path.join(dir, name);
  writeFileSync(f, data);
  return f;
};

describe('reading manifest.json of a docker save archive', () => {
  it('finds it after large entries, in a plain and a gzip archive, and reports the bytes read', async () => {
    const entries = [
      { name: 'l1/layer.tar', data: Buffer.alloc(70_000, 7) },
      { name: 'abc.json', data: Buffer.from('{}') },
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
    ];
    const plain = tar(entries, 0);
    const reads: number[] = [];
    expect(await readSaveManifest(file('a.tar', plain), (n) => reads.push(n))).toEqual(manifest);
    expect(reads.at(-1)).toBeGreaterThan(70_000);
    expect(await readSaveManifest(file('a.tar.gz', gzipSync(plain)))).toEqual(manifest);
  });

  it('says what a file is not', async () => {
    await expect(readSaveManifest(file('t.txt', Buffer.from('x'.repeat(2_000))))).rejects.toThrow(new NotASaveArchive('it is not a tar archive'));
    await expect(readSaveManifest(file('e.tar', Buffer.alloc(0)))).rejects.toThrow('it is not a tar archive');
    await expect(readSaveManifest(file('n.tar', tar([{ name: 'notes.txt', data: Buffer.from('hi') }], 0)))).rejects.toThrow('it has no manifest.json');
    await expect(readSaveManifest(file('j.tar', tar([{ name: 'manifest.json', data: Buffer.from('{') }], 0)))).rejects.toThrow('its manifest.json is not JSON');
    await expect(readSaveManifest(file('s.tar', tar([{ name: 'manifest.json', data: Buffer.from('[{"RepoTags":[]}]') }], 0)))).rejects.toThrow(/not a docker save manifest \(0\.Config: /);
    const gz = gzipSync(tar([{ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) }], 0));
    await expect(readSaveManifest(file('cut.tar.gz', gz.subarray(0, 20)))).rejects.toThrow(NotASaveArchive);
  });
});

describe("the engine's load messages", () => {
  it('lists the loaded images and turns an error in the stream into a refusal', () => {
    expect(loadedImages([{ status: 'Loading layer', progressDetail: { current: 1, total: 2 } }, { stream: 'Loaded image: r/x:v1\n' }, { stream: 'Loaded image ID: sha256:ab\n' }])).toEqual(['r/x:v1', 'sha256:ab']);
    expect(() => loadedImages([{ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' }])).toThrow(new LoadRefused('unexpected EOF'));
  });
});

describe('repository names', () => {
  it('splits tags and compares Docker Hub names as the engine prints them', () => {
    expect(splitRepoTag('localhost:5000/a/b:v2')).toEqual({ repository: 'localhost:5000/a/b', tag: 'v2' });
    expect(splitRepoTag('localhost:5000/a/b')).toEqual({ repository: 'localhost:5000/a/b', tag: 'latest' });
    expect(normalizeRepository('docker.io/library/busybox')).toBe('busybox');
    expect(sameRepository('docker.io/acme/rt', 'acme/rt')).toBe(true);
    expect(sameRepository('ghcr.io/acme/rt', 'acme/rt')).toBe(false);
    // The registry a create's error tells the engineer to connect the PC to.
    expect([registryOf('ghcr.io/autonomy-logic/openplc-runtime'), registryOf('localhost:5000/rt'), registryOf('acme/rt'), registryOf('rt')]).toEqual(['ghcr.io', 'localhost:5000', 'docker.io', 'docker.io']);
  });
});
