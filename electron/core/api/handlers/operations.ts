import type { Output } from '../../../../shared/api/contract.js';
import type { WorkCommand, WorkItem } from '../../work-queue/queue.js';
import { WorkConflict } from '../../work-queue/queue.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';

export type OperationsAccess = {
  timeline: { list(limit: number): Output<'network:timeline'> };
  journal: { list(limit: number, vplc?: string): Output<'journal:list'> };
  work: { submit(id: string, vplc: string, command: WorkCommand): Promise<WorkItem>; list(limit: number): WorkItem[] };
};

/** The channels served by the agent's main thread itself: network timeline, change journal, work queue. */
export function registerOperations(registry: ApiRegistry, a: OperationsAccess): void {
  registry.register('network:timeline', ({ limit }) => Promise.resolve(a.timeline.list(limit)));
  registry.register('journal:list', ({ limit, name }) => Promise.resolve(a.journal.list(limit, name)));
  registry.register('work:submit', async ({ id, name, command }) => {
    try {
      return await a.work.submit(id, name, command);
    } catch (err) {
      if (err instanceof WorkConflict) throw new ApiFailure('CONFLICT', err.message, 'id');
      throw err;
    }
  });
  registry.register('work:list', ({ limit }) => Promise.resolve(a.work.list(limit)));
}
