import { z } from 'zod';

/**
 * Messages of the WebRTC `data` channel (docs/protocol.md §4.11 "Data channels"). Every inbound message is a JSON
 * object with a string `type`; the run_command fields themselves are validated with the cloud topic's contract
 * (shared/cloud/topics.ts), so these shapes only decide which handler gets the message.
 */

const transferId = z.string().min(1).max(64);

export const ChunkStart = z.object({
  type: z.literal('chunk_start'),
  transfer_id: transferId,
  total_chunks: z.number().int(),
  total_size: z.number().int(),
});
export type ChunkStart = z.output<typeof ChunkStart>;

export const ChunkData = z.object({
  type: z.literal('chunk_data'),
  transfer_id: transferId,
  sequence: z.number().int(),
  data: z.string(),
});
export type ChunkData = z.output<typeof ChunkData>;

export const ChunkEnd = z.object({ type: z.literal('chunk_end'), transfer_id: transferId });
export type ChunkEnd = z.output<typeof ChunkEnd>;

export const ChunkMessage = z.discriminatedUnion('type', [ChunkStart, ChunkData, ChunkEnd]);
export type ChunkMessage = z.output<typeof ChunkMessage>;

/** Any inbound data-channel message: the `type` picks the handler; unknown types are answered, never thrown. */
export const DataEnvelope = z.looseObject({ type: z.string() });
export type DataEnvelope = z.output<typeof DataEnvelope>;

export const ReadyMessage = z.object({ type: z.literal('ready') });
export const PingMessage = z.object({ type: z.literal('ping') });
export const PongMessage = z.object({ type: z.literal('pong') });
export const CloseMessage = z.object({ type: z.literal('close') });

/** The answer to a data-channel run_command: the run_command ack body with `type` in place of `action`. */
export const CommandResponse = z.looseObject({
  type: z.literal('command_response'),
  correlation_id: z.union([z.number(), z.string()]).nullable(),
  status: z.string(),
});
export type CommandResponse = z.output<typeof CommandResponse>;

/** An error answer to a data-channel message that could not be handled (bad JSON, unknown type, refused chunk). */
export const DataError = z.object({ type: z.literal('error'), error: z.string() });
export type DataError = z.output<typeof DataError>;

/** Limits of docs/protocol.md §4.11 "Chunking" plus our own caps (docs/debug.md "Data channels"). */
export const CHUNKING = Object.freeze({
  /** Outbound messages of at least this many characters are chunked. */
  thresholdChars: 15_000,
  /** Characters per outbound chunk_data. */
  chunkChars: 14_000,
  minChunks: 1,
  maxChunks: 10_000,
  minTotalSize: 1,
  maxTotalSize: 100 * 1024 * 1024,
  /** An unfinished transfer is purged this long after its last chunk. */
  staleMs: 60_000,
  /** Our cap: transfers in progress at once on one channel; a further chunk_start is refused. */
  maxTransfersPerChannel: 4,
  /**
   * Our caps are in BYTES of memory: a stored part costs 2 bytes per character (JS strings are UTF-16) and at least
   * 64 bytes (its bookkeeping), so empty parts are not free. With 128 MiB the largest inbound transfer is about
   * 64 Mi characters, below the protocol's 100 MB total_size (docs/debug.md "Data channels").
   */
  /** Our cap: bytes buffered at once on one channel across its transfers. */
  maxBufferedBytesPerChannel: 128 * 1024 * 1024,
  /** Our cap: bytes buffered at once across every session of the agent. */
  maxBufferedBytesPerAgent: 128 * 1024 * 1024,
});
export type ChunkingLimits = { -readonly [K in keyof typeof CHUNKING]: number };
