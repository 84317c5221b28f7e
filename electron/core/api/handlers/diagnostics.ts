import { getHeapStatistics } from 'node:v8';
import type { Output } from '../../../../shared/api/contract.js';
import type { ApiRegistry } from '../registry.js';

/** How long `agent:threads` waits for each worker's answer. */
const THREADS_TIMEOUT_MS = 2_000;

/** Diagnostics served by the main thread: its own isolate, and each worker's as the worker gives it when asked. */
export function registerDiagnostics(registry: ApiRegistry, workers: (timeoutMs: number) => Promise<Output<'agent:threads'>>): void {
  registry.register('agent:threads', async () => {
    const heap = getHeapStatistics();
    return [{ name: 'main', tid: process.pid, heapUsed: heap.used_heap_size, heapTotal: heap.total_heap_size }, ...(await workers(THREADS_TIMEOUT_MS))];
  });
}
