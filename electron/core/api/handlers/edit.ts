import { z } from 'zod';
import { VnicView, VplcEditResult, VplcSpecView } from '../../../../shared/api/contract.js';
import { Refusal } from '../../../../shared/api/errors.js';
import { callOrchestrator, type RequestFn } from '../worker-backend.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';

const EditAck = z.union([VplcEditResult.extend({ status: z.literal('saved') }), Refusal]);

const call = <S extends z.ZodType>(request: RequestFn, op: 'vplc.edit' | 'vplc.spec' | 'network.vnics', input: unknown, schema: S): Promise<z.output<S>> =>
  callOrchestrator(request, op, input, schema, 45_000);

/** `vplc:edit`, `vplc:spec` and `network:vnics`, served by the orchestrator worker (docs/editing.md). */
export function registerEdit(registry: ApiRegistry, request: RequestFn): void {
  registry.register('vplc:edit', async ({ name, spec }) => {
    const ack = await call(request, 'vplc.edit', { name, spec, requester: 'ui' }, EditAck);
    if (ack.status === 'error') throw new ApiFailure(ack.code ?? 'VALIDATION', ack.error, ack.field);
    const { status: _status, ...result } = ack;
    return result;
  });
  registry.register('network:vnics', () => call(request, 'network.vnics', {}, z.array(VnicView)));
  registry.register('vplc:spec', async ({ name }) => {
    const view = await call(request, 'vplc.spec', { name }, VplcSpecView.nullable());
    if (!view) throw new ApiFailure('NOT_FOUND', `no stored spec for ${name}`, 'name');
    return view;
  });
}
