import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { fail, type Envelope } from '../../../shared/api/envelope.js';
import { IMAGE_UPLOAD, ImageUploadHeaders } from '../../../shared/api/image-upload.js';
import { refuse } from '../../lib/http/loopback.js';
import type { ApiRegistry } from '../api/registry.js';
import { proofMatches } from './handshake.js';
import { answerEnvelope, availableBytes, mib as mb, receiveBody, renamed } from './upload-body.js';

export type ImageUploadOptions = {
  registry: ApiRegistry;
  token: string;
  /** Uploads are written here (in the agent's state directory), one temporary file each, and removed after the load. */
  dir: string;
  /** Larger uploads are refused (413) before a byte of the body is read. */
  maxBytes: number;
  /** Kept free on the directory's filesystem beyond the upload itself (the agent's state must still be writable). */
  reserveBytes: number;
  /** Bytes available to this process on the filesystem holding `dir`. */
  freeBytes?: (dir: string) => Promise<number>;
};

export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;
export const DEFAULT_UPLOAD_RESERVE_BYTES = 256 * 1024 ** 2;
const SUFFIX = '.upload';

/**
 * `POST /api/images/upload` (docs/runtime-images.md "Upload from the browser"): the body, a `docker save` archive, is
 * streamed to a temporary file in the state directory and loaded with `images:load`, whose answer is the response.
 *
 * INVARIANTS
 * - Authenticated by the token in a request header, never a cookie: a foreign page cannot send that header without a
 *   CORS preflight, which this server never grants (CSRF-safe). The caller has already checked `Host`; `Origin`, when
 *   present, must be the server's own.
 * - Refused before the body is read when it has no declared length, is larger than the cap, or would not fit on the
 *   state directory's filesystem with the reserve left; one upload at a time.
 * - The temporary file is removed in every outcome: refused, aborted by the client, failed or loaded.
 */
export class ImageUpload {
  private busy = false;

  constructor(private readonly o: ImageUploadOptions) {}

  /** Removes what an agent that died mid-upload left behind (only our own suffix, in our own directory). */
  async sweep(): Promise<void> {
    await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
    for (const f of await readdir(this.o.dir)) if (f.endsWith(SUFFIX)) await rm(path.join(this.o.dir, f), { force: true });
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, allowedOrigin: (o: string | undefined) => boolean): Promise<void> {
    if (req.method !== 'POST') return refuse(res, 405, 'method not allowed', { allow: 'POST' });
    if (!allowedOrigin(req.headers.origin)) return refuse(res, 403, 'forbidden origin');
    const token = req.headers[IMAGE_UPLOAD.tokenHeader];
    if (typeof token !== 'string' || !proofMatches(this.o.token, token)) return refuse(res, 401, 'a valid token is required');
    const parsed = ImageUploadHeaders.safeParse({ length: req.headers['content-length'], name: req.headers[IMAGE_UPLOAD.nameHeader], id: req.headers[IMAGE_UPLOAD.idHeader] });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? 'request');
      const header = field === 'length' ? 'content-length' : field === 'name' ? IMAGE_UPLOAD.nameHeader : IMAGE_UPLOAD.idHeader;
      return refuse(res, field === 'length' && req.headers['content-length'] === undefined ? 411 : 400, `${header}: ${issue?.message ?? 'invalid'}`);
    }
    const { length, name, id } = parsed.data;
    if (length > this.o.maxBytes) return refuse(res, 413, `${name} is ${mb(length)}; uploads are limited to ${mb(this.o.maxBytes)}. Copy the file to this PC and load it by path instead.`);
    if (this.busy) return refuse(res, 409, 'another image upload is in progress; try again when it has finished');
    this.busy = true;
    try {
      await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
      const free = await (this.o.freeBytes ?? availableBytes)(this.o.dir);
      if (free < length + this.o.reserveBytes)
        return refuse(res, 507, `not enough disk space for ${name}: the filesystem of ${this.o.dir} has ${mb(free)} free, the upload needs ${mb(length)} plus ${mb(this.o.reserveBytes)} kept free`);
      await this.receive(req, res, path.join(this.o.dir, `${id}-${randomBytes(4).toString('hex')}${SUFFIX}`), name, length);
    } finally {
      this.busy = false;
    }
  }

  private async receive(req: http.IncomingMessage, res: http.ServerResponse, tmp: string, name: string, length: number): Promise<void> {
    let result: Envelope<unknown> | string | null;
    try {
      result = await this.loadBody(req, tmp, length);
    } finally {
      // Before the answer: whoever reads it may rely on the file being gone.
      await rm(tmp, { force: true });
    }
    // The client went away (or the disk failed) mid-body: nobody is left to answer but the socket.
    if (result === null) return void res.destroy();
    if (typeof result === 'string') return refuse(res, 400, result);
    if (!res.destroyed) answerEnvelope(res, renamed(result, tmp, name));
  }

  /** The load's envelope; a refusal's text when the body was short; null when the body never arrived whole. */
  private async loadBody(req: http.IncomingMessage, tmp: string, length: number): Promise<Envelope<unknown> | string | null> {
    const body = await receiveBody(req, tmp, length);
    if (body !== 'received') return body;
    // Nothing crosses the socket while the engine loads a large archive; the idle timeout must not cut the answer off.
    req.socket.setTimeout(0);
    return this.o.registry.call('images:load', { path: tmp }, { via: 'ws' }).catch((err: unknown) => fail('INTERNAL', err instanceof Error ? err.message : String(err)));
  }
}
