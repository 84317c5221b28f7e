#!/usr/bin/env node
// Launcher for the built CLI (npm run build → dist/). From a source checkout without a build: npm run agent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/electron/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('vplc-orchestrator: not built yet. Run `npm run build` first, or `npm run agent -- --no-cloud` from a checkout.\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exit(await main(process.argv.slice(2)));
