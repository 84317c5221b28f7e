import { z } from 'zod';
import { VplcName } from '../domain/vplc.js';
import { IMAGE_UPLOAD } from './image-upload.js';

/**
 * The browser's upload of a PLC program bundle (.zip from the editor) to the agent's loopback UI server (docs/plc.md
 * "Program upload"). The body is the zip; the answer is the `plc:upload` envelope (the compile's end, its log
 * included); refusals before the upload reaches the runtime are plain-text 4xx/5xx. Progress of the compile comes as
 * `plc:compile` events. Same token and name headers as the image upload.
 */
export const PROGRAM_UPLOAD = {
  path: '/api/plc/upload',
  tokenHeader: IMAGE_UPLOAD.tokenHeader,
  nameHeader: IMAGE_UPLOAD.nameHeader,
  /** The vPLC the program is for. */
  vplcHeader: 'x-vplc-name',
  /** Program bundles are small (tens of kB); anything near this is not one. */
  maxBytes: 64 * 1024 * 1024,
} as const;

export const ProgramUploadHeaders = z.object({
  length: z.string({ error: 'give the length of the file' }).regex(/^\d{1,15}$/, 'must be a byte count').transform(Number),
  vplc: VplcName,
});
