import { z } from 'zod';
import { WorkItemView } from '../../../shared/api/contract.js';
import { JsonStore } from '../../lib/fs/json-store.js';
import type { AgentBackend } from '../api/backend.js';
import type { Logger } from '../logging/logger.js';

export type WorkItem = z.output<typeof WorkItemView>;
export type WorkCommand = WorkItem['command'];

const WorkFile = z.object({ items: z.array(WorkItemView) });
const KEEP = 500;

/**
 * The work queue for imperative vPLC commands: start, stop, restart and cleanup (remove the vPLC and
 * everything recorded for it, also when its container is already gone). Each submission carries an id chosen by the
 * caller; submitting an id again returns what that command did instead of doing it twice. Commands run one at a time
 * per vPLC, in submission order; results are persisted (the last 500) and reported through the API.
 */
export class WorkQueue {
  private items: WorkItem[] = [];
  private readonly chains = new Map<string, Promise<void>>();
  private readonly store: JsonStore<z.output<typeof WorkFile>>;
  readonly problems: string[] = [];

  constructor(
    file: string,
    private readonly backend: Pick<AgentBackend, 'control' | 'deleteVplc'>,
    private readonly log: Pick<Logger, 'warn'>,
    /** Called once per command that ran (a repeated id runs nothing, so it reports nothing): the journal. */
    private readonly onDone: (item: WorkItem) => void = () => undefined,
  ) {
    this.store = new JsonStore(file, WorkFile);
  }

  async open(): Promise<void> {
    const loaded = await this.store.load();
    if (loaded.kind === 'ok') this.items = loaded.value.items;
    if (loaded.kind === 'corrupt') {
      this.problems.push(`work queue file was corrupt (${loaded.reason}); moved to ${loaded.movedTo}`);
      this.log.warn(this.problems[this.problems.length - 1] as string);
    }
    // A command that was running when the agent stopped has no recorded outcome; say so rather than guess.
    for (const it of this.items) if (it.state !== 'done') Object.assign(it, { state: 'done', result: 'error', message: 'interrupted by an agent restart; submit it again with a new id' });
  }

  get(id: string): WorkItem | undefined {
    return this.items.find((i) => i.id === id);
  }

  list(limit: number): WorkItem[] {
    return this.items.slice(-limit).reverse();
  }

  /** Accepts a command (or returns the earlier one with this id) and resolves once it has run. */
  async submit(id: string, vplc: string, command: WorkCommand): Promise<WorkItem> {
    const known = this.get(id);
    if (known) {
      if (known.vplc !== vplc || known.command !== command) throw new WorkConflict(`id ${id} was used for ${known.command} ${known.vplc}`);
      await this.chains.get(vplc);
      return this.get(id) ?? known;
    }
    const item: WorkItem = { id, vplc, command, state: 'queued', submittedAt: new Date().toISOString() };
    this.items.push(item);
    if (this.items.length > KEEP) this.items.splice(0, this.items.length - KEEP);
    await this.persist();
    const prev = this.chains.get(vplc) ?? Promise.resolve();
    const run = prev.then(() => this.execute(item));
    this.chains.set(vplc, run);
    await run;
    if (this.chains.get(vplc) === run) this.chains.delete(vplc);
    return item;
  }

  private async execute(item: WorkItem): Promise<void> {
    item.state = 'running';
    await this.persist();
    let result: { ok: boolean; message: string };
    try {
      if (item.command === 'cleanup') {
        const r = await this.backend.deleteVplc(item.vplc);
        result = r.ok ? { ok: true, message: `cleanup of ${item.vplc} started` } : { ok: false, message: r.error };
      } else {
        const r = await this.backend.control(item.command, item.vplc);
        result = r.status === 'error' ? { ok: false, message: r.error } : { ok: true, message: r.message };
      }
    } catch (err) {
      result = { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    Object.assign(item, { state: 'done', result: result.ok ? 'ok' : 'error', message: result.message, finishedAt: new Date().toISOString() });
    await this.persist();
    this.onDone(item);
  }

  private persist(): Promise<void> {
    return this.store.save({ items: this.items }).catch((err: unknown) => this.log.warn('work queue: could not save', { err: String(err) }));
  }
}

export class WorkConflict extends Error {}
