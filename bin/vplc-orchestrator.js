#!/usr/bin/env -S sh -c 'exec env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" node "$0" "$@"'
// Launcher for the built CLI (npm run build → dist/). From a source checkout without a build: npm run agent.
// The shebang starts node with two malloc arenas unless the caller set MALLOC_ARENA_MAX (glibc reads it only at process
// start; docs/decisions.md "Bundled entries"); `node bin/vplc-orchestrator.js` runs without it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/electron/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('vplc-orchestrator: not built yet. Run `npm run build` first, or `npm run agent -- --no-cloud` from a checkout.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exit(await main(process.argv.slice(2)));
