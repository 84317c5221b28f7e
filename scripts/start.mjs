// `npm start`: the desktop app needs the Electron binary, which cannot be downloaded on every machine.
// Without it, say so and point to the headless agent instead of printing a stack trace.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);
let binary;
try {
  binary = require('electron'); // the electron package exports the path of its binary
} catch {
  binary = null;
}
if (typeof binary !== 'string' || !existsSync(binary)) {
  process.stderr.write(
    'The Electron binary is not installed on this machine, so the desktop window cannot start.\n' +
      'Run the headless agent instead (same core, local-only mode):\n\n' +
      '  npm run agent -- --no-cloud\n\n' +
      'or, after `npm run build`: ./bin/vplc-orchestrator.js agent --no-cloud\n',
  );
  process.exit(1);
}
process.stderr.write('The desktop shell is not part of this build yet; run `npm run agent -- --no-cloud`.\n');
process.exit(1);
