// needs: nothing outside this process but child Node processes it starts itself on the built dist/ (it fails, not skips, without it)
// werift is loaded on the first offer only (docs/debug.md "WebRTC sessions"): importing the BUILT cloud link (its
// worker and start module, everything the agent loads for the link) must not load it. A node child with a module
// resolve hook reports every werift module resolved; the positive control makes one peer and must see werift.
// Needs `npm run build` (dist/). Runtime: about 2 s.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../support/pki.js';

const root = path.resolve(import.meta.dirname, '../../..');
const dist = (p: string): string => path.join(root, 'dist/electron/workers/cloudlink', p);
const tmp = tempDir('vplc-werift-lazy-');

afterAll(() => tmp.dispose());

/** Runs `body` (an ES module) in a fresh node with the hook; returns the werift URLs it resolved. */
function weriftLoadsOf(body: string): string[] {
  const hook = tmp.write('hook.mjs', "export async function resolve(spec, ctx, next) { const r = await next(spec, ctx); if (/[\\\\/]werift[\\\\/]|^werift$/.test(r.url) || spec === 'werift') process.stderr.write('WERIFT ' + r.url + '\\n'); return r; }\n");
  const register = tmp.write('register.mjs', `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  const main = tmp.write('main.mjs', body);
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, main], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('OK');
  return r.stderr.split('\n').filter((l) => l.startsWith('WERIFT '));
}

describe('werift stays unloaded until the first offer (built code)', () => {
  it('importing the built cloud link worker and start module loads no werift module', () => {
    for (const f of ['worker.js', 'start.js', 'webrtc/sessions.js']) {
      if (!existsSync(dist(f))) throw new Error(`${dist(f)} is missing: run \`npm run build\` first`);
    }
    const loads = weriftLoadsOf(
      [`import ${JSON.stringify(pathToFileURL(dist('worker.js')).href)};`, `import ${JSON.stringify(pathToFileURL(dist('start.js')).href)};`, "console.log('OK');"].join('\n'),
    );
    expect(loads).toEqual([]);
  });

  it('control: making one peer through the built factory does load werift (the hook sees it)', () => {
    const loads = weriftLoadsOf(
      [
        `const { weriftPeerFactory } = await import(${JSON.stringify(pathToFileURL(dist('webrtc/werift-peer.js')).href)});`,
        'const peer = await weriftPeerFactory({ iceServers: [], stunGatherTimeoutS: 0.2 });',
        'await peer.close();',
        "console.log('OK');",
        'process.exit(0);',
      ].join('\n'),
    );
    expect(loads.length).toBeGreaterThan(0);
  });
});
