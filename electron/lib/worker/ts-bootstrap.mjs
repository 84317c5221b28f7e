// Runs a TypeScript worker entry from a source checkout: Node 20 ignores `--import tsx` in a worker's execArgv, so the
// thread starts here and loads its real entry through tsx's API. Built code never uses this file.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
