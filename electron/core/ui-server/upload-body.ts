import { createWriteStream } from 'node:fs';
import { statfs } from 'node:fs/promises';
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Envelope } from '../../../shared/api/envelope.js';

/** Bytes available to this process on the filesystem holding `dir`. */
export const availableBytes = async (dir: string): Promise<number> => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

export const mib = (n: number): string => `${Math.ceil(n / 1024 ** 2)} MiB`;

export function answerEnvelope(res: http.ServerResponse, envelope: Envelope<unknown>): void {
  const body = JSON.stringify(envelope);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' }).end(body);
}

/** An answer names the upload's original file, not the temporary one nobody chose. */
export function renamed(envelope: Envelope<unknown>, tmp: string, name: string): Envelope<unknown> {
  return JSON.parse(JSON.stringify(envelope).split(JSON.stringify(tmp).slice(1, -1)).join(JSON.stringify(name).slice(1, -1))) as Envelope<unknown>;
}

/**
 * Streams the request body into a new file (mode 0600, never an existing one). `received` when the declared length
 * arrived whole; a refusal's text when the body was short; null when it never arrived (client gone, disk failed).
 */
export async function receiveBody(req: http.IncomingMessage, file: string, length: number): Promise<'received' | string | null> {
  let received = 0;
  req.on('data', (c: Buffer) => (received += c.length));
  try {
    await pipeline(req, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch {
    return null;
  }
  return received === length ? 'received' : `the upload ended after ${received} of ${length} bytes`;
}
