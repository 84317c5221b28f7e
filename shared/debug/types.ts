import { z } from 'zod';

/**
 * The debug bridge's shared shapes (docs/debug.md). The cloud side speaks the messages of docs/protocol.md §4.11
 * (flat integer indexes); the runtime side speaks the v4 binary protocol with `[array u8][element u16]` addresses. The
 * agent translates between them.
 */

/** One variable of the runtime, as the v4 protocol addresses it. */
export const VarAddress = z.object({ array: z.number().int().min(0).max(255), element: z.number().int().min(0).max(65_535) }).strict();
export type VarAddress = z.output<typeof VarAddress>;

/** Replies of docs/protocol.md §4.11 "Debug messages" (what the cloud, a WebRTC peer and our UI receive). */
export const DebugReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('debug_connected') }),
  z.object({ type: z.literal('debug_md5_response'), md5: z.string() }),
  z.object({ type: z.literal('debug_values_response'), tick: z.number().int().nonnegative(), data: z.string() }),
  z.object({ type: z.literal('debug_set_response'), success: z.literal(true) }),
  z.object({ type: z.literal('debug_info_response'), variable_count: z.number().int().nonnegative() }),
  z.object({ type: z.literal('debug_disconnected') }),
  z.object({ type: z.literal('debug_error'), error: z.string() }),
]);
export type DebugReply = z.output<typeof DebugReply>;

/**
 * Where a debug message came from: decides the session key and the wording of an unknown type
 * (`Unknown message type: X` over WebRTC, `Unknown debug message type: X` over run_command).
 */
export const DebugPath = z.enum(['webrtc', 'http', 'local']);
export type DebugPath = z.output<typeof DebugPath>;

/** One debug message from the cloud side, as the cloudlink worker hands it to the orchestrator worker. */
export const DebugMessageInput = z.object({
  /** `webrtc:<session_id>` for a WebRTC session, `http:<device_id>` for run_command, `local:<vplc>` for our UI. */
  session: z.string().min(1),
  device_id: z.string().min(1),
  path: DebugPath,
  /** The raw message (parsed and answered with protocol error texts by the bridge). */
  message: z.unknown(),
});
export type DebugMessageInput = z.output<typeof DebugMessageInput>;

/**
 * The orchestrator's debug bridge: answers one debug message of docs/protocol.md §4.11 on a keyed session. Never
 * rejects: every failure is a `debug_error` reply with the protocol's text.
 */
export interface DebugBridge {
  handle(input: DebugMessageInput): Promise<DebugReply>;
  /** Closes the session (its runtime Socket.IO connection); unknown keys are fine. */
  close(session: string): Promise<void>;
  /** Whether `device_id` names a vPLC of this agent (the `Device X not found` check of `webrtc:offer`). */
  hasDevice(deviceId: string): Promise<boolean>;
}
