import { z } from 'zod';
import { IMAGE_UPLOAD } from '../../../shared/api/image-upload';
import { ApiError, type ApiErrorCode, type Envelope } from '../../../shared/api/envelope';

export type UploadProgress = (sent: number, total: number) => void;
/** Sends a runtime image archive to the agent and resolves with the `images:load` envelope (never rejects). */
export type UploadImage = (file: File, o: { id: string; onProgress: UploadProgress }) => Promise<Envelope<unknown>>;

const Answer = z.union([z.object({ ok: z.literal(true), value: z.unknown() }), z.object({ ok: z.literal(false), error: ApiError })]);

/** What a refusal before the load means for the page; the server's text is the message. */
function codeFor(status: number): ApiErrorCode {
  if (status === 401 || status === 403) return 'FORBIDDEN';
  if (status === 409) return 'CONFLICT';
  if (status === 400 || status === 411 || status === 413) return 'VALIDATION';
  if (status === 507 || status === 503) return 'UNAVAILABLE';
  return 'INTERNAL';
}

/**
 * The browser page's upload (docs/runtime-images.md "Upload from the browser"): XMLHttpRequest, because only it reports
 * upload progress; the token goes in a header, the page's own origin is the target (CSP `connect-src 'self'`).
 */
/** `token` is read at each upload: a tab re-authenticated after an agent restart uploads with the new one. */
export function xhrImageUpload(origin: string, token: () => string, createXhr: () => XMLHttpRequest = () => new XMLHttpRequest()): UploadImage {
  return (file, { id, onProgress }) =>
    new Promise((resolve) => {
      const xhr = createXhr();
      xhr.open('POST', `${origin}${IMAGE_UPLOAD.path}`);
      xhr.setRequestHeader(IMAGE_UPLOAD.tokenHeader, token());
      xhr.setRequestHeader(IMAGE_UPLOAD.nameHeader, encodeURIComponent(file.name));
      xhr.setRequestHeader(IMAGE_UPLOAD.idHeader, id);
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      const interrupted = (): void => resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'the upload was interrupted: the connection to the agent broke' } });
      xhr.onerror = interrupted;
      xhr.onabort = interrupted;
      xhr.onload = () => {
        if (xhr.status !== 200) {
          const message = xhr.responseText.trim() || `the agent refused the upload (HTTP ${xhr.status})`;
          return resolve({ ok: false, error: { code: codeFor(xhr.status), message, ...(codeFor(xhr.status) === 'VALIDATION' ? { field: 'file' } : {}) } });
        }
        let parsed: z.infer<typeof Answer> | null = null;
        try {
          const r = Answer.safeParse(JSON.parse(xhr.responseText));
          if (r.success) parsed = r.data;
        } catch {
          parsed = null;
        }
        resolve(parsed ?? { ok: false, error: { code: 'INTERNAL', message: 'the agent answered the upload with something this UI does not understand' } });
      };
      xhr.send(file);
    });
}
