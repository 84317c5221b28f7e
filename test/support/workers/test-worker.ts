// A worker for supervisor tests: echoes, crashes or hangs on command.
import { hostWorker, WorkerError } from '../../../electron/lib/worker/host.js';

hostWorker({
  start: () => Promise.resolve(),
  handle: (op, input) => {
    if (op === 'echo') return Promise.resolve(input);
    if (op === 'pid') return Promise.resolve(process.pid + ':' + String(Math.random()));
    if (op === 'crash') {
      setImmediate(() => {
        throw new Error('injected worker crash');
      });
      return new Promise(() => undefined);
    }
    if (op === 'hang') {
      setImmediate(() => {
        const end = Date.now() + 60_000;
        while (Date.now() < end) {
          // A stuck event loop: no alive beats any more.
        }
      });
      return new Promise(() => undefined);
    }
    return Promise.reject(new WorkerError('UNKNOWN_OP', `no op ${op}`, 'op'));
  },
  stop: () => Promise.resolve(),
});
