import { constants, createReadStream } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ImageLoadProgress, ImageLoadResult } from '../../../../shared/domain/runtime-images.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { WorkerError } from '../../../lib/worker/handlers.js';
import type { OrchestratorContext } from '../context.js';
import { NotASaveArchive, readSaveManifest } from './archive.js';
import { LoadRefused } from './load-messages.js';
import { sameRepository, splitRepoTag } from './repo-tag.js';

type LoadContext = Pick<OrchestratorContext, 'exec' | 'settings' | 'log'>;
export type ProgressSink = (p: ImageLoadProgress) => void;

const refuse = (message: string): WorkerError => new WorkerError('VALIDATION', message, 'path');

/** The file must be an absolute path to a regular file this process can read; the agent may run as a service user. */
async function checkFile(file: string): Promise<number> {
  if (!path.isAbsolute(file)) throw refuse(`${file}: give the absolute path of the archive (the agent does not share your working directory)`);
  const who = `the agent (uid ${process.getuid?.() ?? '?'}; it may run as a service user)`;
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw refuse(`${file} is not a regular file`);
    size = st.size;
    await access(file, constants.R_OK);
  } catch (err) {
    if (err instanceof WorkerError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw refuse(`${file}: no such file on this PC`);
    if (code === 'EACCES' || code === 'EPERM') throw refuse(`${file}: ${who} cannot read it; make it readable by that user (or copy it to a directory it can read)`);
    throw refuse(`${file}: ${(err as Error).message}`);
  }
  return size;
}

/** Reports progress when the whole percent changes (and at each phase change), not for every chunk. */
function reporter(file: string, total: number, sink: ProgressSink): (phase: ImageLoadProgress['phase'], bytes: number, message?: string) => void {
  let last = '';
  return (phase, bytes, message) => {
    const percent = total === 0 ? 100 : Math.min(100, Math.floor((bytes / total) * 100));
    const key = `${phase}/${percent}`;
    if (key === last && !message) return;
    last = key;
    sink({ file, phase, bytesRead: bytes, totalBytes: total, percent, ...(message ? { message } : {}) });
  };
}

/**
 * Loads the runtime images of a `docker save` archive (docs/runtime-images.md). The manifest is
 * read first and an archive with any image outside the runtime repository is refused before the engine sees it.
 */
export async function loadRuntimeImages(ctx: LoadContext, file: string, by: Requester, sink: ProgressSink): Promise<ImageLoadResult> {
  const total = await checkFile(file);
  const report = reporter(file, total, sink);
  report('checking', 0);
  const repo = ctx.settings.runtimeRepo;
  try {
    let manifest;
    try {
      manifest = await readSaveManifest(file, (n) => report('checking', n));
    } catch (err) {
      if (err instanceof NotASaveArchive) throw refuse(`${file} is not a docker save archive: ${err.message}`);
      throw err;
    }
    const tags = manifest.flatMap((m) => m.RepoTags ?? []);
    const untagged = manifest.filter((m) => !m.RepoTags?.length).length;
    const foreign = tags.filter((t) => !sameRepository(splitRepoTag(t).repository, repo));
    if (foreign.length || untagged || !tags.length) {
      const found = tags.length ? tags.join(', ') : 'no tags';
      throw refuse(`${file} holds images outside the runtime repository ${repo} (found: ${found}${untagged ? `, ${untagged} untagged` : ''}); save it as ${repo}:<version>, or retag it before saving`);
    }
    const archive = createReadStream(file);
    let read = 0;
    archive.on('data', (c) => {
      read += c.length;
      report('loading', read);
    });
    let loaded: string[];
    try {
      loaded = await ctx.exec.run({ kind: 'load-image', archive, source: file, by, reason: `load runtime image(s) ${tags.join(', ')}` });
    } catch (err) {
      if (err instanceof LoadRefused) throw refuse(`the Docker engine refused ${file}: ${err.message}`);
      throw err;
    } finally {
      archive.destroy();
    }
    report('done', total, `loaded ${loaded.join(', ')}`);
    ctx.log.info('runtime images loaded', { file, loaded });
    return { file, loaded };
  } catch (err) {
    report('failed', 0, err instanceof Error ? err.message : String(err));
    throw err;
  }
}
