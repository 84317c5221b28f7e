import { z } from 'zod';
import { DebugReply, type DebugBridge, type DebugMessageInput } from '../../../shared/debug/types.js';
import type { Envelope } from '../../lib/protocol/messages.js';
import type { OrchestratorOpInput } from '../../lib/protocol/orchestrator-ops.js';

/** One request to the orchestrator worker (the worker API's `request`, bound to that worker). */
export type OrchestratorRequest = (op: 'debug.message' | 'debug.close' | 'debug.has-device', input: unknown, timeoutMs: number) => Promise<Envelope>;

/** A debug command waits up to 5 s on the runtime, debug_start up to 10 s after its login (docs/protocol.md §4.11). */
const MESSAGE_TIMEOUT_MS = 30_000;
const SMALL_TIMEOUT_MS = 10_000;

/**
 * The orchestrator's debug bridge as the cloudlink worker reaches it: one bus request per call (ops `debug.message`,
 * `debug.close`, `debug.has-device`), each answer validated. Never rejects from `handle`: a failed request is a
 * `debug_error` reply.
 */
export function busDebugBridge(request: OrchestratorRequest): DebugBridge {
  return {
    handle: async (input: DebugMessageInput) => {
      const body: OrchestratorOpInput<'debug.message'> = input;
      try {
        const env = await request('debug.message', body, MESSAGE_TIMEOUT_MS);
        if (!env.ok) return { type: 'debug_error', error: env.error.message };
        const reply = DebugReply.safeParse(env.value);
        if (!reply.success) return { type: 'debug_error', error: `Internal error: the debug bridge answered an invalid reply (${reply.error.issues[0]?.path.join('.') ?? ''}: ${reply.error.issues[0]?.message ?? ''})` };
        return reply.data;
      } catch (err) {
        return { type: 'debug_error', error: `Internal error: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
    close: async (session) => {
      const body: OrchestratorOpInput<'debug.close'> = { session };
      const env = await request('debug.close', body, SMALL_TIMEOUT_MS);
      if (!env.ok) throw new Error(env.error.message);
    },
    hasDevice: async (deviceId) => {
      const body: OrchestratorOpInput<'debug.has-device'> = { device_id: deviceId };
      const env = await request('debug.has-device', body, SMALL_TIMEOUT_MS);
      if (!env.ok) throw new Error(env.error.message);
      const answer = z.boolean().safeParse(env.value);
      if (!answer.success) throw new Error('the orchestrator answered debug.has-device without a boolean');
      return answer.data;
    },
  };
}
