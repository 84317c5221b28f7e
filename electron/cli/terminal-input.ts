import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline/promises';

/** A terminal's input: a TTY stream that can switch echo and line editing off. */
export type TtyInput = Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };

export class InputCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

/**
 * Reads one line from a terminal without echoing it (the password prompt): raw mode, so the terminal shows nothing
 * of what is typed; Backspace edits, Enter ends, Ctrl-C or Ctrl-D on an empty line cancel. The prompt goes to
 * `output` (stderr), so stdout stays clean for scripts.
 */
export function readSecret(input: TtyInput, output: Writable, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    output.write(prompt);
    const wasRaw = (input as { isRaw?: boolean }).isRaw === true;
    input.setRawMode?.(true);
    input.resume();
    const finish = (err: Error | null): void => {
      input.off('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new InputCancelled());
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** One answered question on a terminal (echoed: for yes/no, never for secrets). */
export async function askLine(input: Readable, output: Writable, question: string): Promise<string> {
  const rl = createInterface({ input, output, terminal: false });
  try {
    output.write(question);
    return await rl.question('');
  } finally {
    rl.close();
  }
}

/**
 * A secret piped on stdin (`--password-stdin`): the whole input, one trailing line break dropped (what `echo` and
 * most secret stores add). Bounded, so a wrong pipe cannot fill memory.
 */
export async function readPiped(input: Readable, maxBytes = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > maxBytes) throw new Error(`more than ${maxBytes} bytes on stdin; a password is expected there`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
