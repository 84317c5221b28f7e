import { z } from 'zod';
import { IMAGE_UPLOAD } from '../../../shared/api/image-upload';
import { PROGRAM_UPLOAD } from '../../../shared/api/program-upload';
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

type XhrFactory = () => XMLHttpRequest;

/** POSTs a file as the request body and resolves with the agent's envelope; refusals before the handler become envelopes too. */
function postFile(createXhr: XhrFactory, url: string, headers: Record<string, string>, file: File, onProgress: UploadProgress): Promise<Envelope<unknown>> {
  return new Promise((resolve) => {
    const xhr = createXhr();
    xhr.open('POST', url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
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

/**
 * The browser page's upload (docs/runtime-images.md "Upload from the browser"): XMLHttpRequest, because only it reports
 * upload progress; the token goes in a header, the page's own origin is the target (CSP `connect-src 'self'`).
 */
/** `token` is read at each upload: a tab re-authenticated after an agent restart uploads with the new one. */
export function xhrImageUpload(origin: string, token: () => string, createXhr: XhrFactory = () => new XMLHttpRequest()): UploadImage {
  return (file, { id, onProgress }) =>
    postFile(createXhr, `${origin}${IMAGE_UPLOAD.path}`, { [IMAGE_UPLOAD.tokenHeader]: token(), [IMAGE_UPLOAD.nameHeader]: encodeURIComponent(file.name), [IMAGE_UPLOAD.idHeader]: id }, file, onProgress);
}

/** Sends a PLC program bundle (.zip) for one vPLC and resolves with the `plc:upload` envelope (never rejects). */
export type UploadProgram = (file: File, o: { name: string; onProgress: UploadProgress }) => Promise<Envelope<unknown>>;

/** The browser page's program upload (docs/plc.md "Program upload"): same transport and headers as the image upload. */
export function xhrProgramUpload(origin: string, token: () => string, createXhr: XhrFactory = () => new XMLHttpRequest()): UploadProgram {
  return (file, { name, onProgress }) =>
    postFile(createXhr, `${origin}${PROGRAM_UPLOAD.path}`, { [PROGRAM_UPLOAD.tokenHeader]: token(), [PROGRAM_UPLOAD.nameHeader]: encodeURIComponent(file.name), [PROGRAM_UPLOAD.vplcHeader]: name }, file, onProgress);
}
