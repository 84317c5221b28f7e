import { z } from 'zod';
import { CompileProgress, CredentialsResult, PlcActionResult, PlcHistoryPoint, PlcLogLine } from '../../../../shared/domain/plc.js';
import { callOrchestrator, type RequestFn } from '../worker-backend.js';
import type { ApiRegistry } from '../registry.js';

/** Compiles take seconds cold; the upload answers once the compile ends (progress comes as `plc:compile` events). */
const UPLOAD_TIMEOUT_MS = 5 * 60_000;

/** The `plc:*` channels, served by the orchestrator worker (docs/plc.md). The UI is the requester of all of them. */
export function registerPlc(registry: ApiRegistry, request: RequestFn): void {
  const call = <S extends z.ZodType>(op: string, input: unknown, schema: S, timeoutMs = 45_000): Promise<z.output<S>> => callOrchestrator(request, op, input, schema, timeoutMs);
  registry.register('plc:set-credentials', ({ name, username, password }) => call('plc.set-credentials', { name, credentials: { username, password }, requester: 'ui' }, CredentialsResult));
  registry.register('plc:clear-credentials', ({ name }) => call('plc.clear-credentials', { name, requester: 'ui' }, z.null()));
  registry.register('plc:create-user', ({ name, username, password }) => call('plc.create-user', { name, credentials: { username, password }, requester: 'ui' }, CredentialsResult));
  registry.register('plc:start', ({ name }) => call('plc.start', { name, requester: 'ui' }, PlcActionResult));
  registry.register('plc:stop', ({ name }) => call('plc.stop', { name, requester: 'ui' }, PlcActionResult));
  registry.register('plc:upload', ({ name, path }) => call('plc.upload', { name, path, requester: 'ui' }, CompileProgress, UPLOAD_TIMEOUT_MS));
  registry.register('plc:compile-status', ({ name }) => call('plc.compile-status', { name }, CompileProgress));
  registry.register('plc:logs', ({ name, since_id, level, limit }) =>
    call('plc.logs', { name, limit, ...(since_id !== undefined ? { sinceId: since_id } : {}), ...(level ? { level } : {}) }, z.array(PlcLogLine)),
  );
  registry.register('plc:history', ({ name, seconds }) => call('plc.history', { name, seconds }, z.array(PlcHistoryPoint)));
}
