import { isDevicePathFormat, reservedDevicePath, type SerialPortSpec } from '../../../../shared/domain/serial';

/** One serial port as the user types it (strings everywhere), checked by `checkSerialPorts`. */
export type SerialPortDraft = { name: string; deviceId: string; containerPath: string; baudRate: string; shared: boolean };

/** The rates a serial PLC link commonly runs at (offered, not enforced: the rate is informational). */
export const COMMON_BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

type FieldErrors = Record<string, string>;

/** The first `<prefix><n><suffix>` (n from `from`) that none of `taken` is. */
function firstFree(taken: ReadonlySet<string>, make: (n: number) => string, from: number): string {
  let n = from;
  while (taken.has(make(n))) n++;
  return make(n);
}

/** A new port with a name and container path no other port of the form has (`serial1` at `/dev/ttyRTU0`, then the next). */
export function newSerialPort(existing: readonly SerialPortDraft[]): SerialPortDraft {
  return {
    name: firstFree(new Set(existing.map((p) => p.name.trim())), (n) => `serial${n}`, 1),
    deviceId: '',
    containerPath: firstFree(new Set(existing.map((p) => p.containerPath.trim())), (n) => `/dev/ttyRTU${n}`, 0),
    baudRate: '',
    shared: false,
  };
}

/** A stored port as the form shows it. */
export const serialDraftOf = (p: SerialPortSpec): SerialPortDraft => ({ name: p.name, deviceId: p.deviceId, containerPath: p.containerPath, baudRate: p.baudRate?.toString() ?? '', shared: p.shared ?? false });

/**
 * Checks the ports like the agent does (non-empty name and device, a `/dev/…` container path, names and paths unique
 * within the vPLC, a whole positive baud rate when given); errors are keyed `serialPorts.<i>.<field>` like the API's
 * field paths. Returns the ports to send.
 */
export function checkSerialPorts(drafts: readonly SerialPortDraft[], errors: FieldErrors): SerialPortSpec[] {
  const names = new Set<string>();
  const paths = new Set<string>();
  return drafts.map((d, i) => {
    const at = (f: keyof SerialPortDraft): string => `serialPorts.${i}.${f}`;
    const name = d.name.trim();
    const deviceId = d.deviceId.trim();
    const containerPath = d.containerPath.trim();
    const baud = d.baudRate.trim();
    if (!name) errors[at('name')] = 'Give the port a name, for example rtu.';
    else if (names.has(name)) errors[at('name')] = `Two serial ports cannot both be named ${name}.`;
    names.add(name);
    if (!deviceId) errors[at('deviceId')] = 'Pick a device, or type its by-id path (it may be unplugged now).';
    if (!containerPath) errors[at('containerPath')] = 'Give the path the port has inside the vPLC, for example /dev/ttyRTU0.';
    else if (!isDevicePathFormat(containerPath)) errors[at('containerPath')] = "The container path is /dev/ followed by letters, digits, '.', '_' or '-' (for example /dev/ttyRTU0), without . or .. segments.";
    else if (reservedDevicePath(containerPath)) errors[at('containerPath')] = `${containerPath} is one of the entries every container has (/dev/null, /dev/tty, /dev/pts/…); the port would replace it. Pick another path, for example /dev/ttyRTU0.`;
    else if (paths.has(containerPath)) errors[at('containerPath')] = `Two serial ports cannot both be at ${containerPath}.`;
    paths.add(containerPath);
    const rate = baud ? Number(baud) : undefined;
    if (rate !== undefined && !(Number.isInteger(rate) && rate > 0)) errors[at('baudRate')] = 'A baud rate is a whole number such as 9600 or 115200, or empty.';
    return { name, deviceId, containerPath, ...(rate !== undefined && Number.isInteger(rate) && rate > 0 ? { baudRate: rate } : {}), ...(d.shared ? { shared: true } : {}) };
  });
}

/** An element id for a port's field: `serial-0-containerPath` (what a field error focuses). */
export const serialFieldId = (i: number, f: keyof SerialPortDraft): string => `serial-${i}-${f}`;

const showPort = (p: SerialPortSpec): string => `${p.deviceId} at ${p.containerPath}${p.baudRate !== undefined ? ` (${p.baudRate} baud)` : ''}${p.shared ? ' (shared)' : ''}`;

/**
 * The readable changes to the serial ports, by port name in the new order, then the removed ones:
 * `serialPorts.rtu: <device> at /dev/ttyRTU0 → <device> at /dev/ttyRTU2`. The same lines as the agent's edit diff
 * (docs/editing.md), for an agent whose shared diff does not list serial ports itself.
 */
export function serialDiff(a: readonly SerialPortSpec[], b: readonly SerialPortSpec[]): string[] {
  const before = new Map(a.map((p) => [p.name, p]));
  const after = new Set(b.map((p) => p.name));
  const out: string[] = [];
  for (const p of b) {
    const old = before.get(p.name);
    const from = old ? showPort(old) : '(none)';
    if (from !== showPort(p)) out.push(`serialPorts.${p.name}: ${from} → ${showPort(p)}`);
  }
  for (const p of a) if (!after.has(p.name)) out.push(`serialPorts.${p.name}: ${showPort(p)} → (removed)`);
  return out;
}
