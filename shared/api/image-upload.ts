import { z } from 'zod';

/**
 * The browser's upload of a runtime image archive to the agent's loopback UI server (docs/runtime-images.md "Upload
 * from the browser"). The answer is the `images:load` envelope; refusals before the load are plain-text 4xx/5xx.
 */
export const IMAGE_UPLOAD = {
  path: '/api/images/upload',
  tokenHeader: 'x-vplc-token',
  /** The file's name as the user chose it, percent-encoded (names the file in messages instead of the temporary one). */
  nameHeader: 'x-vplc-file-name',
  /** Chosen by the page; the temporary file's name contains it, so the page can follow that load's `images:progress`. */
  idHeader: 'x-vplc-upload-id',
} as const;

const decoded = z.string().transform((s, ctx) => {
  try {
    return decodeURIComponent(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be percent-encoded' });
    return z.NEVER;
  }
});

export const UploadId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 16 random bytes in lower-case hex');

export const ImageUploadHeaders = z.object({
  length: z.string({ error: 'give the length of the file' }).regex(/^\d{1,15}$/, 'must be a byte count').transform(Number),
  name: decoded.pipe(z.string().min(1, 'give the name of the file').max(255, 'at most 255 characters')),
  id: UploadId,
});

export const newUploadId = (): string => Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
