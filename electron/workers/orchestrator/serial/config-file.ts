import path from 'node:path';
import type { SerialPortSpec, SerialPortState } from '../../../../shared/domain/serial.js';
import { PersistedMap, UNCHANGED, type StoreProblem } from '../store/persisted-map.js';
import { SerialConfigsFile, type SerialConfigEntry, type StoredSerialPort } from '../store/schemas.js';

export const SERIAL_CONFIGS_FILE = path.join('data', 'serial_configs.json');

const sameConfig = (a: StoredSerialPort, p: SerialPortSpec): boolean =>
  a.name === p.name && a.device_id === p.deviceId && a.container_path === p.containerPath;

function fresh(p: SerialPortSpec): StoredSerialPort {
  return { name: p.name, device_id: p.deviceId, container_path: p.containerPath, status: 'disconnected', current_host_path: null, major: null, minor: null, baud_rate: p.baudRate ?? null };
}

/**
 * `<state>/data/serial_configs.json` (docs/serial.md "Stored files", docs/protocol.md §5.14): the serial ports each
 * vPLC has in effect, in the reference's shape plus `baud_rate`, with the status the agent last saw. The ports
 * themselves come from the vPLC's spec; this file mirrors them for support tooling and takeover.
 */
export class SerialConfigs {
  private readonly map: PersistedMap<SerialConfigEntry>;

  constructor(stateDir: string) {
    this.map = new PersistedMap(path.join(stateDir, SERIAL_CONFIGS_FILE), SerialConfigsFile.valueType);
  }

  get file(): string {
    return this.map.file;
  }

  load(onCorrupt: (p: StoreProblem) => void): Promise<void> {
    return this.map.load(onCorrupt);
  }

  get(vplc: string): SerialConfigEntry | undefined {
    return this.map.get(vplc);
  }

  /**
   * The ports a vPLC now has. A port whose name, device and path are unchanged keeps its last status; any other port
   * starts `disconnected` with nulls. No ports: the entry goes.
   */
  put(vplc: string, ports: readonly SerialPortSpec[]): Promise<void> {
    return this.map.mutate(vplc, (cur) => {
      if (ports.length === 0) return cur ? undefined : UNCHANGED;
      const next = {
        serial_ports: ports.map((p) => {
          const old = cur?.serial_ports.find((s) => sameConfig(s, p));
          return old ? { ...old, baud_rate: p.baudRate ?? null } : fresh(p);
        }),
      };
      return JSON.stringify(next) === JSON.stringify(cur) ? UNCHANGED : next;
    });
  }

  /** The live state of a vPLC's ports (status, host path, numbers), by port name; ports not stored are ignored. */
  recordState(vplc: string, states: readonly SerialPortState[]): Promise<void> {
    return this.map.mutate(vplc, (cur) => {
      if (!cur) return UNCHANGED;
      let changed = false;
      const serial_ports = cur.serial_ports.map((s) => {
        const st = states.find((x) => x.name === s.name);
        if (!st) return s;
        const next = { ...s, status: st.status, current_host_path: st.current_host_path, major: st.major, minor: st.minor };
        if (JSON.stringify(next) !== JSON.stringify(s)) changed = true;
        return next;
      });
      return changed ? { serial_ports } : UNCHANGED;
    });
  }

  drop(vplc: string): Promise<void> {
    return this.map.mutate(vplc, () => undefined);
  }

  /**
   * Brings the file in line with the specs at load: each vPLC's ports in effect (an entry lost with a corrupt file, or a
   * write cut short, comes back `disconnected`), and the entries of vPLCs that no longer exist go (docs/protocol.md
   * §5.12), unless the specs themselves could not be read (absence is not deletion then).
   */
  async sync(ports: ReadonlyMap<string, readonly SerialPortSpec[]>, specsTrusted: boolean): Promise<void> {
    for (const [vplc, list] of ports) await this.put(vplc, list);
    if (!specsTrusted) return;
    for (const name of this.map.keys()) if (!ports.has(name)) await this.drop(name);
  }

  wipe(): Promise<void> {
    return this.map.wipe();
  }
}
