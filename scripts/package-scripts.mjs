#!/usr/bin/env node
// Writes the .deb maintainer scripts electron-builder packs (build/linux/.generated/, not committed): its own
// after-install/after-remove templates from the installed app-builder-lib, so their logic (the /usr/bin link,
// chrome-sandbox mode, the AppArmor profile on Ubuntu 24.04+) stays exactly upstream's, followed by our service steps.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const templates = path.join(path.dirname(require.resolve('app-builder-lib/package.json')), 'templates', 'linux');
const out = path.join(root, 'build', 'linux', '.generated');
mkdirSync(out, { recursive: true });
for (const name of ['after-install', 'after-remove']) {
  const upstream = readFileSync(path.join(templates, `${name}.tpl`), 'utf8');
  const ours = readFileSync(path.join(root, 'build', 'linux', `${name}.extra.sh`), 'utf8');
  writeFileSync(path.join(out, `${name}.sh`), `${upstream.trimEnd()}\n${ours}`, { mode: 0o755 });
  console.log(`wrote build/linux/.generated/${name}.sh`);
}
