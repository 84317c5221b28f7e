import { z } from 'zod';
import { CompileProgress, CredentialsResult, PlcActionResult, PlcHistoryPoint, PlcLogLine } from '../../../../shared/domain/plc.js';
import { DebugMapView, LiveRead, LiveSetResult } from '../../../../shared/debug/live.js';
import { callOrchestrator, type RequestFn } from '../worker-backend.js';
import type { ApiRegistry } from '../registry.js';

/** Compiles take seconds cold; the upload answers once the compile ends (progress comes as `plc:compile` events). */
const UPLOAD_TIMEOUT_MS = 5 * 60_000;
/** A live read is a few debug commands of at most 2 s each (the runtime's own limit); a stale answer is worth nothing. */
const LIVE_TIMEOUT_MS = 15_000;

/** The `plc:*` channels, served by the orchestrator worker (docs/plc.md). The requester is the API client (UI or CLI). */
export function registerPlc(registry: ApiRegistry, request: RequestFn): void {
  const call = <S extends z.ZodType>(op: string, input: unknown, schema: S, timeoutMs = 45_000): Promise<z.output<S>> => callOrchestrator(request, op, input, schema, timeoutMs);
  registry.register('plc:set-credentials', ({ name, username, password }, ctx) => call('plc.set-credentials', { name, credentials: { username, password }, requester: ctx.client ?? 'ui' }, CredentialsResult));
  registry.register('plc:clear-credentials', ({ name }, ctx) => call('plc.clear-credentials', { name, requester: ctx.client ?? 'ui' }, z.null()));
  registry.register('plc:create-user', ({ name, username, password }, ctx) => call('plc.create-user', { name, credentials: { username, password }, requester: ctx.client ?? 'ui' }, CredentialsResult));
  registry.register('plc:start', ({ name }, ctx) => call('plc.start', { name, requester: ctx.client ?? 'ui' }, PlcActionResult));
  registry.register('plc:stop', ({ name }, ctx) => call('plc.stop', { name, requester: ctx.client ?? 'ui' }, PlcActionResult));
  registry.register('plc:upload', ({ name, path }, ctx) => call('plc.upload', { name, path, requester: ctx.client ?? 'ui' }, CompileProgress, UPLOAD_TIMEOUT_MS));
  registry.register('plc:compile-status', ({ name }) => call('plc.compile-status', { name }, CompileProgress));
  registry.register('plc:logs', ({ name, since_id, level, limit }) =>
    call('plc.logs', { name, limit, ...(since_id !== undefined ? { sinceId: since_id } : {}), ...(level ? { level } : {}) }, z.array(PlcLogLine)),
  );
  registry.register('plc:history', ({ name, seconds }) => call('plc.history', { name, seconds }, z.array(PlcHistoryPoint)));
  registry.register('plc:debug-map', ({ name }) => call('plc.debug-map', { name }, DebugMapView));
  registry.register('plc:debug-map-load', ({ name, path }, ctx) => call('plc.debug-map-load', { name, path, requester: ctx.client ?? 'ui' }, DebugMapView));
  registry.register('plc:live-read', ({ name, paths }) => call('plc.live-read', { name, ...(paths ? { paths } : {}) }, LiveRead, LIVE_TIMEOUT_MS));
  registry.register('plc:live-set', ({ name, path, force, value }, ctx) => call('plc.live-set', { name, path, force, ...(value !== undefined ? { value } : {}), requester: ctx.client ?? 'ui' }, LiveSetResult, LIVE_TIMEOUT_MS));
}
