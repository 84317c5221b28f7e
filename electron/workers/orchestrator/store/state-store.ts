import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { z } from 'zod';
import { JsonStore } from '../../../lib/fs/json-store.js';
import type { DesiredState } from '../../../../shared/domain/vplc.js';
import {
  ClientsFile,
  DedicatedNicsFile,
  DesiredFile,
  InstallationFile,
  OperationsFile,
  RuntimeVnicsFile,
  type DesiredRecord,
  type JournalEntry,
  type PersistedVnic,
  type RuntimeCertPin,
} from './schemas.js';
import { PersistedMap, UNCHANGED, type StoreProblem } from './persisted-map.js';
import { SerialConfigs } from '../serial/config-file.js';

export { UNCHANGED, type StoreProblem } from './persisted-map.js';

/**
 * The orchestrator's persisted state under `<state>`, with file names and shapes of docs/protocol.md §5.14.
 * A corrupt file is quarantined and reported in `problems`; its map starts empty and nothing is deleted because of
 * that absence (absence is not deletion).
 */
export class StateStore {
  readonly problems: StoreProblem[] = [];
  private readonly desired: PersistedMap<DesiredRecord>;
  private readonly vnics: PersistedMap<PersistedVnic[]>;
  private readonly clients: PersistedMap<{ ip: string; name: string }>;
  private readonly journal: PersistedMap<JournalEntry>;
  /** `dedicated_nics.json`: the host NIC moved into each vPLC (docs/host-nics.md "Dedicated NICs"). */
  private readonly dedicated: PersistedMap<{ host_interface: string }>;
  /** `data/serial_configs.json`: the serial ports of each vPLC and their last seen state (docs/serial.md). */
  readonly serialConfigs: SerialConfigs;
  private readonly installationStore: JsonStore<z.infer<typeof InstallationFile>>;
  installationId = '';

  constructor(readonly dir: string) {
    this.desired = new PersistedMap(path.join(dir, 'vplc_state.json'), DesiredFile.valueType);
    this.vnics = new PersistedMap(path.join(dir, 'runtime_vnics.json'), RuntimeVnicsFile.valueType);
    this.clients = new PersistedMap(path.join(dir, 'clients.json'), ClientsFile.valueType);
    this.journal = new PersistedMap(path.join(dir, 'operations.json'), OperationsFile.valueType);
    this.dedicated = new PersistedMap(path.join(dir, 'dedicated_nics.json'), DedicatedNicsFile.valueType);
    this.installationStore = new JsonStore(path.join(dir, 'installation.json'), InstallationFile);
    this.serialConfigs = new SerialConfigs(dir);
  }

  async load(): Promise<void> {
    this.installationId = await this.loadInstallationId();
    const report = (p: StoreProblem): void => void this.problems.push(p);
    for (const m of [this.desired, this.vnics, this.clients, this.journal, this.dedicated, this.serialConfigs]) await m.load(report);
    const live = this.desired.entries().filter(([, r]) => !r.tombstone);
    // A mirror for tooling: a failed write must not stop the agent; the next create or edit writes the entry again.
    await this.serialConfigs.sync(new Map(live.map(([name, r]) => [name, r.spec?.serialPorts ?? []])), !this.desiredUntrusted).catch(() => undefined);
  }

  /** True while the desired-state file was found corrupt: automatic starts then touch nothing. */
  get desiredUntrusted(): boolean {
    return this.problems.some((p) => p.file === this.desired.file);
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

  // Desired records ---------------------------------------------------------
  desiredNames(): string[] {
    return this.desired.keys();
  }
  getDesired(name: string): DesiredRecord | undefined {
    return this.desired.get(name);
  }
  putDesired(name: string, record: DesiredRecord): Promise<void> {
    return this.desired.mutate(name, () => record);
  }
  /**
   * Rewrites an existing record from its value when the write happens (after any write queued before), so fields
   * others changed meanwhile are kept; `fn` answering null leaves it unchanged.
   */
  updateDesired(name: string, fn: (cur: DesiredRecord) => DesiredRecord | null): Promise<void> {
    return this.desired.mutate(name, (cur) => (cur ? (fn(cur) ?? UNCHANGED) : UNCHANGED));
  }
  patchDesired(name: string, patch: Partial<DesiredRecord>): Promise<void> {
    return this.desired.mutate(name, (cur) => (cur ? { ...cur, ...patch, updated_at: new Date().toISOString() } : UNCHANGED));
  }
  /** Records an explicit desired state, creating a spec-less record for a vPLC adopted without one. */
  setDesiredState(name: string, state: DesiredState, extra: Partial<DesiredRecord> = {}): Promise<void> {
    const now = new Date().toISOString();
    return this.desired.mutate(name, (cur) =>
      cur
        ? { ...cur, ...extra, desired_state: state, updated_at: now }
        : { desired_state: state, created_at: now, updated_at: now, degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false, ...extra },
    );
  }
  dropDesired(name: string): Promise<void> {
    return this.desired.mutate(name, () => undefined);
  }

  // Runtime certificate pin: it belongs to one container --------------------
  /** A new (or adopted) container of the vPLC: a pin taken on another container stops counting and is dropped. */
  recordContainer(name: string, containerId: string): Promise<void> {
    return this.desired.mutate(name, (cur) => {
      if (!cur || cur.container_id === containerId) return UNCHANGED;
      const { runtime_cert_pin: pin, ...rest } = cur;
      return { ...rest, container_id: containerId, ...(pin?.container_id === containerId ? { runtime_cert_pin: pin } : {}) };
    });
  }
  /** Stores a first-contact pin, unless its container is no longer the vPLC's current one. */
  pinRuntimeCertificate(name: string, pin: RuntimeCertPin): Promise<void> {
    return this.desired.mutate(name, (cur) => (cur?.container_id === pin.container_id ? { ...cur, runtime_cert_pin: pin } : UNCHANGED));
  }

  // vNIC records ------------------------------------------------------------
  getVnics(name: string): PersistedVnic[] {
    return this.vnics.get(name) ?? [];
  }
  putVnics(name: string, vnics: PersistedVnic[]): Promise<void> {
    return this.vnics.mutate(name, () => vnics);
  }
  /** Patches one vNIC by name; other vNICs and other fields (leases) are kept as they are on disk. */
  patchVnic(name: string, vnic: string, patch: Partial<PersistedVnic>): Promise<void> {
    return this.vnics.mutate(name, (cur) => {
      if (!cur?.some((v) => v.name === vnic)) return UNCHANGED;
      return cur.map((v) => (v.name === vnic ? { ...v, ...patch } : v));
    });
  }
  dropVnics(name: string): Promise<void> {
    return this.vnics.mutate(name, () => undefined);
  }

  // Registry cache (clients.json) -------------------------------------------
  getClient(name: string): { ip: string; name: string } | undefined {
    return this.clients.get(name);
  }
  putClient(name: string, ip: string): Promise<void> {
    return this.clients.mutate(name, (cur) => (cur?.ip === ip ? UNCHANGED : { ip, name }));
  }
  dropClient(name: string): Promise<void> {
    return this.clients.mutate(name, () => undefined);
  }

  // Operation journal -------------------------------------------------------
  journalEntries(): Array<[string, JournalEntry]> {
    return this.journal.entries();
  }
  putJournal(name: string, entry: JournalEntry): Promise<void> {
    return this.journal.mutate(name, () => entry);
  }
  dropJournal(name: string): Promise<void> {
    return this.journal.mutate(name, () => undefined);
  }

  // Dedicated NICs (dedicated_nics.json) ----------------------------------
  getDedicated(name: string): string | undefined {
    return this.dedicated.get(name)?.host_interface;
  }
  /** Every vPLC with a dedicated NIC and that NIC. */
  dedicatedEntries(): Array<[string, string]> {
    return this.dedicated.entries().map(([name, e]) => [name, e.host_interface]);
  }
  putDedicated(name: string, hostInterface: string): Promise<void> {
    return this.dedicated.mutate(name, (cur) => (cur?.host_interface === hostInterface ? UNCHANGED : { host_interface: hostInterface }));
  }
  dropDedicated(name: string): Promise<void> {
    return this.dedicated.mutate(name, () => undefined);
  }

  /** Self-destruct: every state file of ours goes; logs are kept elsewhere. */
  async wipe(): Promise<void> {
    await Promise.all([this.desired.wipe(), this.vnics.wipe(), this.clients.wipe(), this.journal.wipe(), this.dedicated.wipe(), this.serialConfigs.wipe()]);
  }
}
