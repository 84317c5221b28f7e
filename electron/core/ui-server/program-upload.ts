import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { PROGRAM_UPLOAD, ProgramUploadHeaders } from '../../../shared/api/program-upload.js';
import { refuse } from '../../lib/http/loopback.js';
import { availableBytes, mib, receiveAndAnswer, refusedAccess, refuseHeaders, sweepUploads, type UploadOptions } from './upload-body.js';

export type ProgramUploadOptions = UploadOptions;

/** Ours alone in the shared upload directory; ends in .zip because that is what the runtime is given. */
const SUFFIX = '.program.zip';

const FileName = z
  .string()
  .transform((s, ctx) => {
    try {
      return decodeURIComponent(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be percent-encoded' });
      return z.NEVER;
    }
  })
  .pipe(z.string().min(1).max(255, 'at most 255 characters'));

const HEADER_OF: Record<string, string> = { length: 'content-length', vplc: PROGRAM_UPLOAD.vplcHeader };

/**
 * `POST /api/plc/upload` (docs/plc.md "Program upload"): the body, a program bundle (.zip from the editor), is streamed
 * to a temporary file in the state directory and handed to `plc:upload` as the UI (the page confirmed before sending);
 * the response is that channel's envelope, the compile's end with its log.
 *
 * INVARIANTS
 * - Same authentication as the image upload: the token in a request header, never a cookie; `Origin`, when present,
 *   must be the server's own (the caller has checked `Host`).
 * - Refused before the body is read: no declared length, an empty or oversized body, a bad vPLC name, no room on the
 *   disk, or another upload for the same vPLC in progress.
 * - The temporary file is removed in every outcome: refused, aborted by the client, failed or compiled.
 */
export class ProgramUpload {
  private readonly busy = new Set<string>();

  constructor(private readonly o: ProgramUploadOptions) {}

  /** Removes what an agent that died mid-upload left behind (only our own suffix). */
  sweep(): Promise<void> {
    return sweepUploads(this.o.dir, SUFFIX);
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse, allowedOrigin: (o: string | undefined) => boolean): Promise<void> {
    if (refusedAccess(req, res, allowedOrigin, PROGRAM_UPLOAD.tokenHeader, this.o.token)) return;
    const parsed = ProgramUploadHeaders.safeParse({ length: req.headers['content-length'], vplc: req.headers[PROGRAM_UPLOAD.vplcHeader] });
    if (!parsed.success) return refuseHeaders(req, res, parsed.error, HEADER_OF);
    const rawName = req.headers[PROGRAM_UPLOAD.nameHeader];
    const named = rawName === undefined ? null : FileName.safeParse(rawName);
    if (named && !named.success) return refuse(res, 400, `${PROGRAM_UPLOAD.nameHeader}: ${named.error.issues[0]?.message ?? 'invalid'}`);
    const name = named?.data ?? 'the program bundle';
    const { length, vplc } = parsed.data;
    if (length === 0) return refuse(res, 400, 'content-length: the program bundle is empty');
    if (length > this.o.maxBytes) return refuse(res, 413, `${name} is ${mib(length)}; program bundles are limited to ${mib(this.o.maxBytes)}`);
    if (this.busy.has(vplc)) return refuse(res, 409, `another program upload to ${vplc} is in progress; try again when it has finished`);
    this.busy.add(vplc);
    try {
      await mkdir(this.o.dir, { recursive: true, mode: 0o700 });
      const free = await (this.o.freeBytes ?? availableBytes)(this.o.dir);
      if (free < length + this.o.reserveBytes) return refuse(res, 507, `not enough disk space for ${name}: ${mib(free)} free, the upload needs ${mib(length)} plus ${mib(this.o.reserveBytes)} kept free`);
      const tmp = path.join(this.o.dir, `${randomBytes(16).toString('hex')}${SUFFIX}`);
      await receiveAndAnswer(req, res, { tmp, name, length }, (file) =>
        this.o.registry.call('plc:upload', { name: vplc, path: file, confirm: true }, { via: 'ws', client: 'ui' }),
      );
    } finally {
      this.busy.delete(vplc);
    }
  }
}
