import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { IMAGE_UPLOAD, ImageUploadHeaders } from '../../../shared/api/image-upload.js';
import { refuse } from '../../lib/http/loopback.js';
import { availableBytes, mib as mb, receiveAndAnswer, refusedAccess, refuseHeaders, sweepUploads, type UploadOptions } from './upload-body.js';

export type ImageUploadOptions = UploadOptions;

export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;
export const DEFAULT_UPLOAD_RESERVE_BYTES = 256 * 1024 ** 2;
const SUFFIX = '.upload';
const HEADER_OF: Record<string, string> = { length: 'content-length', name: IMAGE_UPLOAD.nameHeader, id: IMAGE_UPLOAD.idHeader };

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
  sweep(): Promise<void> {
    return sweepUploads(this.o.dir, SUFFIX);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, allowedOrigin: (o: string | undefined) => boolean): Promise<void> {
    if (refusedAccess(req, res, allowedOrigin, IMAGE_UPLOAD.tokenHeader, this.o.token)) return;
    const parsed = ImageUploadHeaders.safeParse({ length: req.headers['content-length'], name: req.headers[IMAGE_UPLOAD.nameHeader], id: req.headers[IMAGE_UPLOAD.idHeader] });
    if (!parsed.success) return refuseHeaders(req, res, parsed.error, HEADER_OF);
    const { length, name, id } = parsed.data;
    if (length > this.o.maxBytes) return refuse(res, 413, `${name} is ${mb(length)}; uploads are limited to ${mb(this.o.maxBytes)}. Copy the file to this PC and load it by path instead.`);
    if (this.busy) return refuse(res, 409, 'another image upload is in progress; try again when it has finished');
    this.busy = true;
    try {
      await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
      const free = await (this.o.freeBytes ?? availableBytes)(this.o.dir);
      if (free < length + this.o.reserveBytes)
        return refuse(res, 507, `not enough disk space for ${name}: the filesystem of ${this.o.dir} has ${mb(free)} free, the upload needs ${mb(length)} plus ${mb(this.o.reserveBytes)} kept free`);
      const tmp = path.join(this.o.dir, `${id}-${randomBytes(4).toString('hex')}${SUFFIX}`);
      await receiveAndAnswer(req, res, { tmp, name, length }, (file) => this.o.registry.call('images:load', { path: file }, { via: 'ws' }));
    } finally {
      this.busy = false;
    }
  }
}
