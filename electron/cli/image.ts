import path from 'node:path';
import type { z } from 'zod';
import { events, invoke } from '../../shared/api/contract.js';
import type { ImagePullProgress } from '../../shared/domain/image-pull.js';
import type { ImageLoadProgress, RuntimeImage } from '../../shared/domain/runtime-images.js';
import { loadConfig } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { attachToAgent } from './attach.js';

export const IMAGE_USAGE = `usage: vplc-orchestrator image list [options]
       vplc-orchestrator image load FILE [options]
       vplc-orchestrator image pull VERSION [options]

Runtime images on this PC, through the running agent (docs/runtime-images.md):
  list        the local images of the runtime repository: tag, id, size, created, and the vPLCs using each
  load FILE   load a \`docker save\` archive (.tar or .tar.gz) of runtime images; the agent reads FILE itself, so it
              must be readable by the agent's user. Images outside the runtime repository are refused.
  pull VERSION
              pull <runtime repository>:VERSION from its registry (the repository is the agent's: its settings or
              --runtime-image), showing layers and MB as they arrive

options: the agent's own (--settings FILE, --data-dir DIR, --ui-port PORT, …) to find the agent; VPLC_TOKEN_FILE
names its token file when it is not in the usual place.
`;

/** `tty`: progress is one line rewritten in place; otherwise (a log, a pipe) a line per layer finished. */
export type ImageIo = { out(s: string): void; err(s: string): void; tty?: boolean };
const stdio: ImageIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s), tty: process.stdout.isTTY };

const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;

function progressLine(p: ImageLoadProgress): string {
  const what = p.phase === 'checking' ? 'checking' : 'loading';
  return `${what} ${path.basename(p.file)}: ${String(p.percent).padStart(3)}% (${mb(p.bytesRead)} of ${mb(p.totalBytes)})`;
}

export function pullLine(p: ImagePullProgress): string {
  if (!p.layers_total) return `pulling ${p.ref}`;
  return `pulling ${p.ref}: ${p.layers_done}/${p.layers_total} layers${p.bytes_total ? `, ${mb(p.bytes_done).replace(' MB', '')} of ${mb(p.bytes_total)}` : ''}`;
}

function table(images: RuntimeImage[]): string {
  if (!images.length) return 'no runtime images on this PC\n';
  const rows = [['IMAGE', 'ID', 'SIZE', 'CREATED', 'USED BY'], ...images.map((i) => [`${i.repository}:${i.tag}`, i.id.replace(/^sha256:/, '').slice(0, 12), mb(i.size), i.created.slice(0, 19).replace('T', ' '), i.usedBy.join(', ') || '-'])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] ?? 0))).join('  ')).join('\n') + '\n';
}

function answer<S extends z.ZodType>(env: { ok: true; value: unknown } | { ok: false; error: { message: string } }, schema: S): z.output<S> {
  if (!env.ok) throw new Error(env.error.message);
  const parsed = schema.safeParse(env.value);
  if (!parsed.success) throw new Error(`the agent answered with an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** `vplc-orchestrator image list|load FILE`: 0 done, 1 failed (the agent's reason printed), 2 usage. */
export async function runImage(argv: string[], io: ImageIo = stdio): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(IMAGE_USAGE);
    return 0;
  }
  const [sub, ...rest] = argv;
  let file: string | undefined;
  let version: string | undefined;
  if (sub === 'load') {
    file = rest.shift();
    if (!file || file.startsWith('--')) throw new UsageError('image load needs the archive file: vplc-orchestrator image load FILE');
  } else if (sub === 'pull') {
    version = rest.shift();
    if (!version || version.startsWith('--')) throw new UsageError('image pull needs the runtime version: vplc-orchestrator image pull VERSION');
    const ok = invoke['images:pull'].input.safeParse({ version });
    if (!ok.success) throw new UsageError(`image pull: version: ${ok.error.issues[0]?.message ?? 'invalid'}`);
  } else if (sub !== 'list') {
    throw new UsageError(sub ? `unknown image command: ${sub} (use list, load or pull)` : 'image needs a command: list, load FILE or pull VERSION');
  }
  const { config } = await loadConfig(rest);
  let client;
  try {
    client = await attachToAgent(config);
  } catch (err) {
    io.err(`vplc-orchestrator image: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    if (version !== undefined) return await pull(client, version, io);
    if (file === undefined) {
      io.out(table(answer(await client.call('images:list', {}, 30_000), invoke['images:list'].output)));
      return 0;
    }
    const abs = path.resolve(file);
    let shown = false;
    const stop = client.onEvent((name, payload) => {
      if (name !== 'images:progress') return;
      const p = events['images:progress'].safeParse(payload);
      if (!p.success || p.data.file !== abs || p.data.phase === 'done' || p.data.phase === 'failed') return;
      // One line, rewritten in place.
      io.out(`\r${progressLine(p.data)}`);
      shown = true;
    });
    const env = await client.call('images:load', { path: abs }, 31 * 60_000);
    stop();
    if (shown) io.out('\n');
    const result = answer(env, invoke['images:load'].output);
    io.out(`loaded ${result.loaded.length} image(s) from ${abs}:\n${result.loaded.map((r) => `  ${r}\n`).join('')}`);
    return 0;
  } catch (err) {
    io.err(`vplc-orchestrator image ${sub}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}

/** The part of the agent's API client a pull uses. */
export type PullClient = Pick<Awaited<ReturnType<typeof attachToAgent>>, 'call' | 'onEvent'>;

/** Prints the agent's pull progress for `version` and the result; resolves 0, rejects with the agent's reason. */
export async function pull(client: PullClient, version: string, io: ImageIo): Promise<number> {
  let shown = '';
  let layers = '';
  const stop = client.onEvent((name, payload) => {
    if (name !== 'images:pull-progress') return;
    const p = events['images:pull-progress'].safeParse(payload);
    if (!p.success || !p.data.ref.endsWith(`:${version}`) || p.data.phase !== 'pulling') return;
    const line = pullLine(p.data);
    if (io.tty) {
      // One line rewritten in place, padded over a longer previous one.
      io.out(`\r${line.padEnd(shown.length)}`);
      shown = line;
      return;
    }
    const key = `${p.data.layers_done}/${p.data.layers_total}`;
    if (key === layers) return;
    layers = key;
    io.out(`${line}\n`);
  });
  let env;
  try {
    env = await client.call('images:pull', { version }, 61 * 60_000);
  } finally {
    stop();
    if (shown) io.out('\n');
  }
  const result = answer(env, invoke['images:pull'].output);
  io.out(`pulled ${result.ref} (${result.id.replace(/^sha256:/, '').slice(0, 12)})\n`);
  return 0;
}
