import { runMain } from '../lib/process/fatal.js';
import { main } from './main.js';

// An uncaught exception or unhandled rejection exits 70, a failed start 1 (systemd restarts either).
void runMain((fatal) => main(process.argv.slice(2), { fatal }), process, {
  name: 'vplc-orchestrator',
  exit: (code) => process.exit(code),
  stderr: (text) => void process.stderr.write(text),
});
