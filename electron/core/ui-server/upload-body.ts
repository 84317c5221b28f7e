import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import { fail, type Envelope } from '../../../shared/api/envelope.js';
import { refuse } from '../../lib/http/loopback.js';
import type { ApiRegistry } from '../api/registry.js';
import { proofMatches } from './handshake.js';

export type UploadOptions = {
  registry: ApiRegistry;
  token: string;
  /** Uploads are written here (in the agent's state directory), one temporary file each, removed once used. */
  dir: string;
  /** Larger uploads are refused (413) before a byte of the body is read. */
  maxBytes: number;
  /** Kept free on the directory's filesystem beyond the upload itself (the agent's state must still be writable). */
  reserveBytes: number;
  /** Bytes available to this process on the filesystem holding `dir`. */
  freeBytes?: (dir: string) => Promise<number>;
};

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

/** Removes what an agent that died mid-upload left behind: only files with our own suffix, in our own directory. */
export async function sweepUploads(dir: string, suffix: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const f of await readdir(dir)) if (f.endsWith(suffix)) await rm(path.join(dir, f), { force: true });
}

/**
 * Method, `Origin` and the token header (never a cookie: a foreign page cannot send that header without a CORS
 * preflight, which the server never grants). True when the request was refused and answered.
 */
export function refusedAccess(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  allowedOrigin: (o: string | undefined) => boolean,
  tokenHeader: string,
  expected: string,
): boolean {
  if (req.method !== 'POST') return (refuse(res, 405, 'method not allowed', { allow: 'POST' }), true);
  if (!allowedOrigin(req.headers.origin)) return (refuse(res, 403, 'forbidden origin'), true);
  const token = req.headers[tokenHeader];
  if (typeof token !== 'string' || !proofMatches(expected, token)) return (refuse(res, 401, 'a valid token is required'), true);
  return false;
}

/** Answers a header that failed its schema, naming the header; a missing length is 411, anything else 400. */
export function refuseHeaders(req: http.IncomingMessage, res: http.ServerResponse, error: z.ZodError, headerOf: Record<string, string>): void {
  const issue = error.issues[0];
  const field = String(issue?.path[0] ?? 'request');
  const status = field === 'length' && req.headers['content-length'] === undefined ? 411 : 400;
  refuse(res, status, `${headerOf[field] ?? field}: ${issue?.message ?? 'invalid'}`);
}

/**
 * Streams the body to `tmp`, hands it to `use` and answers with its envelope (the temporary name replaced by `name`).
 * The file is removed before the answer in every outcome; a body that never arrived whole destroys the socket.
 */
export async function receiveAndAnswer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  upload: { tmp: string; name: string; length: number },
  use: (tmp: string) => Promise<Envelope<unknown>>,
): Promise<void> {
  const { tmp, name, length } = upload;
  let result: Envelope<unknown> | string | null;
  try {
    result = await receiveThenUse(req, tmp, length, use);
  } finally {
    // Before the answer: whoever reads it may rely on the file being gone.
    await rm(tmp, { force: true });
  }
  if (result === null) return void res.destroy();
  if (typeof result === 'string') return refuse(res, 400, result);
  if (!res.destroyed) answerEnvelope(res, renamed(result, tmp, name));
}

async function receiveThenUse(
  req: http.IncomingMessage,
  tmp: string,
  length: number,
  use: (tmp: string) => Promise<Envelope<unknown>>,
): Promise<Envelope<unknown> | string | null> {
  const body = await receiveBody(req, tmp, length);
  if (body !== 'received') return body;
  // Nothing crosses the socket while the agent works on the file; the idle timeout must not cut the answer off.
  req.socket.setTimeout(0);
  return use(tmp).catch((err: unknown) => fail('INTERNAL', err instanceof Error ? err.message : String(err)));
}
