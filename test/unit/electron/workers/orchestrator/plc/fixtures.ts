import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '../../../../../fixtures/openplc-runtime-v4.1.4');

/** One recorded exchange of the real runtime: its response status and body. */
export function recorded(name: string): { status: number; body: unknown } {
  const f = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as { response: { status: number; body: unknown } };
  return { status: f.response.status, body: f.response.body };
}
