import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { z } from 'zod';
import { JsonStore } from '../../../lib/fs/json-store.js';
import {
  ClientsFile,
  DesiredFile,
  InstallationFile,
  OperationsFile,
  RuntimeVnicsFile,
  type DesiredRecord,
  type JournalEntry,
  type PersistedVnic,
} from './schemas.js';

export type StoreProblem = { file: string; movedTo: string; reason: string };

/**
 * The orchestrator's persisted state under `<state>`, with file names and shapes of PROTOCOL §5.14.
 *
 * INVARIANTS
 * - Every file has one writer (its JsonStore) and an in-memory copy that is the truth between writes.
 * - A corrupt file is quarantined and reported in `problems`; the in-memory copy starts empty and nothing
 *   is deleted because of that absence (absence is not deletion).
 */
export class StateStore {
  readonly problems: StoreProblem[] = [];
  private desired: z.infer<typeof DesiredFile> = {};
  private vnics: z.infer<typeof RuntimeVnicsFile> = {};
  private clients: z.infer<typeof ClientsFile> = {};
  private journal: z.infer<typeof OperationsFile> = {};
  private readonly desiredStore: JsonStore<z.infer<typeof DesiredFile>>;
  private readonly vnicStore: JsonStore<z.infer<typeof RuntimeVnicsFile>>;
  private readonly clientStore: JsonStore<z.infer<typeof ClientsFile>>;
  private readonly journalStore: JsonStore<z.infer<typeof OperationsFile>>;
  private readonly installationStore: JsonStore<z.infer<typeof InstallationFile>>;
  installationId = '';

  constructor(readonly dir: string) {
    this.desiredStore = new JsonStore(path.join(dir, 'vplc_state.json'), DesiredFile);
    this.vnicStore = new JsonStore(path.join(dir, 'runtime_vnics.json'), RuntimeVnicsFile);
    this.clientStore = new JsonStore(path.join(dir, 'clients.json'), ClientsFile);
    this.journalStore = new JsonStore(path.join(dir, 'operations.json'), OperationsFile);
    this.installationStore = new JsonStore(path.join(dir, 'installation.json'), InstallationFile);
  }

  async load(): Promise<void> {
    this.installationId = await this.loadInstallationId();
    this.desired = await this.loadOne(this.desiredStore, {});
    this.vnics = await this.loadOne(this.vnicStore, {});
    this.clients = await this.loadOne(this.clientStore, {});
    this.journal = await this.loadOne(this.journalStore, {});
  }

  /** The installation id labels everything we create; losing it would orphan every vPLC, so a corrupt file is fatal. */
  private async loadInstallationId(): Promise<string> {
    const loaded = await this.installationStore.load();
    if (loaded.kind === 'ok') return loaded.value.id;
    if (loaded.kind === 'corrupt') {
      throw new Error(
        `installation id file is corrupt (${loaded.reason}); it was moved to ${loaded.movedTo}. ` +
          'Restore it to keep managing existing vPLCs, or delete the moved file to start as a new installation.',
      );
    }
    const id = randomUUID();
    await this.installationStore.save({ id, created_at: new Date().toISOString() });
    return id;
  }

  private async loadOne<T>(store: JsonStore<T>, empty: T): Promise<T> {
    const loaded = await store.load();
    if (loaded.kind === 'ok') return loaded.value;
    if (loaded.kind === 'corrupt') this.problems.push({ file: store.file, movedTo: loaded.movedTo, reason: loaded.reason });
    return empty;
  }

  // Desired records ---------------------------------------------------------
  desiredNames(): string[] {
    return Object.keys(this.desired);
  }
  getDesired(name: string): DesiredRecord | undefined {
    const r = this.desired[name];
    return r ? structuredClone(r) : undefined;
  }
  async putDesired(name: string, record: DesiredRecord): Promise<void> {
    this.desired[name] = structuredClone(record);
    await this.desiredStore.save(this.desired);
  }
  async patchDesired(name: string, patch: Partial<DesiredRecord>): Promise<void> {
    const cur = this.desired[name];
    if (!cur) return;
    this.desired[name] = { ...cur, ...structuredClone(patch), updated_at: new Date().toISOString() };
    await this.desiredStore.save(this.desired);
  }
  async dropDesired(name: string): Promise<void> {
    if (!(name in this.desired)) return;
    delete this.desired[name];
    await this.desiredStore.save(this.desired);
  }

  // vNIC records ------------------------------------------------------------
  getVnics(name: string): PersistedVnic[] {
    return structuredClone(this.vnics[name] ?? []);
  }
  async putVnics(name: string, vnics: PersistedVnic[]): Promise<void> {
    this.vnics[name] = structuredClone(vnics);
    await this.vnicStore.save(this.vnics);
  }
  async dropVnics(name: string): Promise<void> {
    if (!(name in this.vnics)) return;
    delete this.vnics[name];
    await this.vnicStore.save(this.vnics);
  }

  // Registry cache (clients.json) -------------------------------------------
  getClient(name: string): { ip: string; name: string } | undefined {
    return this.clients[name];
  }
  async putClient(name: string, ip: string): Promise<void> {
    if (this.clients[name]?.ip === ip) return;
    this.clients[name] = { ip, name };
    await this.clientStore.save(this.clients);
  }
  async dropClient(name: string): Promise<void> {
    if (!(name in this.clients)) return;
    delete this.clients[name];
    await this.clientStore.save(this.clients);
  }

  // Operation journal -------------------------------------------------------
  journalEntries(): Array<[string, JournalEntry]> {
    return Object.entries(structuredClone(this.journal));
  }
  async putJournal(name: string, entry: JournalEntry): Promise<void> {
    this.journal[name] = structuredClone(entry);
    await this.journalStore.save(this.journal);
  }
  async dropJournal(name: string): Promise<void> {
    if (!(name in this.journal)) return;
    delete this.journal[name];
    await this.journalStore.save(this.journal);
  }

  /** Self-destruct: every state file of ours goes; logs are kept elsewhere. */
  async wipe(): Promise<void> {
    this.desired = {};
    this.vnics = {};
    this.clients = {};
    this.journal = {};
    await Promise.all([this.desiredStore.remove(), this.vnicStore.remove(), this.clientStore.remove(), this.journalStore.remove()]);
  }
}
