import type { VplcEvent } from '../context.js';
import type { OperationState } from './operation-state.js';

/** What an outcome event stands for, for the journal: the error of a failed create or delete, or what a create could not verify. */
export function outcomeDetail(ops: OperationState, e: VplcEvent): string | undefined {
  if (e.kind === 'changed' && e.detail) return e.detail;
  if (e.kind !== 'changed' || (e.reason !== 'created' && e.reason !== 'create-failed' && e.reason !== 'delete-failed')) return undefined;
  const op = ops.get(e.name);
  if (op?.status === 'error' && op.error) return op.error;
  // A create that ended "created with problems": the journal records what it could not verify.
  return e.reason === 'created' && !op ? ops.createProblems(e.name)?.join('; ') : undefined;
}
