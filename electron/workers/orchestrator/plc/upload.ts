/** A program bundle (.zip from the editor) read from this PC for upload (docs/plc.md "Program upload"). */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { WorkerError } from '../../../lib/worker/host.js';

export const MAX_PROGRAM_BYTES = 64 * 1024 * 1024;

export type ProgramBundle = { filename: string; contentType: string; data: Buffer };

/** A local file header, or the end record of an empty archive. */
const ZIP_MAGICS = [Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from([0x50, 0x4b, 0x05, 0x06])];

/** Reads the bundle, refusing (VALIDATION on `path`) what is not a readable zip of at most 64 MB. */
export async function readProgramBundle(file: string, maxBytes = MAX_PROGRAM_BYTES): Promise<ProgramBundle> {
  if (!path.isAbsolute(file)) throw new WorkerError('VALIDATION', 'give the full path of the program bundle (.zip)', 'path');
  let data: Buffer;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) throw new WorkerError('VALIDATION', `${file} is not a file`, 'path');
    if (st.size > maxBytes) throw new WorkerError('VALIDATION', `${file} is ${st.size} bytes; a program bundle may have at most ${maxBytes}`, 'path');
    data = await fs.readFile(file);
  } catch (err) {
    if (err instanceof WorkerError) throw err;
    throw new WorkerError('VALIDATION', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'path');
  }
  if (data.length > maxBytes) throw new WorkerError('VALIDATION', `${file} grew beyond ${maxBytes} bytes while being read`, 'path');
  if (!ZIP_MAGICS.some((m) => data.subarray(0, 4).equals(m))) throw new WorkerError('VALIDATION', `${file} is not a zip archive (a program bundle from the editor is a .zip)`, 'path');
  return { filename: path.basename(file), contentType: 'application/zip', data };
}
