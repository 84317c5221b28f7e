// `npm start`: build, then launch the desktop app. The Electron binary cannot be downloaded on every machine; without
// it, say so and point to the headless agent instead of printing a stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

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
      'Run the headless agent instead (same core and UI, local-only mode; open the URL it prints in a browser):\n\n' +
      '  npm run agent -- --no-cloud\n\n' +
      'or, after `npm run build`: ./bin/vplc-orchestrator.js agent --no-cloud\n' +
      'To get the binary: reinstall without ELECTRON_SKIP_BINARY_DOWNLOAD on a machine that can reach GitHub.\n',
  );
  process.exit(1);
}
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// Two malloc arenas, as the service runs (build/linux/vplc-orchestrator.service); glibc reads it only at process start.
const app = spawn(binary, ['.', ...process.argv.slice(2)], { stdio: 'inherit', env: { MALLOC_ARENA_MAX: '2', ...process.env } });
app.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
