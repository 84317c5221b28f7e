import type { SerialPortSpec } from '../../../../shared/domain/serial.js';
import { matchSerialDevice, type SerialCandidate } from './match.js';

/**
 * Majors allowed for a port whose device the agent has never seen: USB serial adapters, the only devices with by-id
 * links, are `ttyACM` (166) or `ttyUSB` (188).
 */
export const USB_SERIAL_MAJORS: readonly number[] = [166, 188];

/**
 * The majors the vPLC's container allows, by the port and device they were learned for (`serial_majors` of the desired
 * record, keyed by `majorsKey`). A key of another form (a record from before ports were keyed by device) still counts
 * in what the container allows, never for a port.
 */
export type LearnedMajors = Readonly<Record<string, readonly number[]>>;

/** The `serial_majors` key of a port: its name and the device id it names, so a port moved to another device starts afresh. */
export const majorsKey = (p: Pick<SerialPortSpec, 'name' | 'deviceId'>): string => JSON.stringify([p.name, p.deviceId]);

/**
 * The character-device majors a vPLC's container gets for these ports (docs/serial.md "Device access"). Per port: the
 * majors learned for its device plus the major of the device it matches now; a port with neither gets the USB serial
 * majors. Docker fixes the rules when it creates the container, so a device with a major outside them makes this set
 * differ from the container's: the spec hash changes and the recreate waits for the change window like any other
 * change. Pure.
 */
export function allowedSerialMajors(ports: readonly SerialPortSpec[], learned: LearnedMajors, candidates: readonly SerialCandidate[]): number[] {
  return sortedUnique(Object.values(majorsPerPort(ports, learned, candidates)).flat());
}

/** The same, by `majorsKey`: what the create pipeline records as `serial_majors`. Pure. */
export function majorsPerPort(ports: readonly SerialPortSpec[], learned: LearnedMajors, candidates: readonly SerialCandidate[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of ports) {
    const majors = sortedUnique([...(learned[majorsKey(p)] ?? []), ...matchedMajor(p, candidates)]);
    out[majorsKey(p)] = majors.length > 0 ? majors : [...USB_SERIAL_MAJORS];
  }
  return out;
}

/** Every major the container allows: what its create recorded, whichever ports it was for. Pure. */
export function containerMajors(learned: LearnedMajors | undefined): number[] {
  return sortedUnique(Object.values(learned ?? {}).flat());
}

/**
 * Ports put into effect on the same container (no recreate): a port on a device it has no entry for learns that
 * device's current major when the container already allows it, so unplugging the device later does not fall back to the
 * USB majors and ask for a recreate. Entries of earlier devices stay: the container still allows their majors. Pure.
 */
export function learnInEffect(learned: LearnedMajors | undefined, ports: readonly SerialPortSpec[], candidates: readonly SerialCandidate[]): Record<string, number[]> {
  const out: Record<string, number[]> = Object.fromEntries(Object.entries(learned ?? {}).map(([k, v]) => [k, [...v]]));
  const allowed = new Set(containerMajors(learned));
  for (const p of ports) {
    const now = matchedMajor(p, candidates);
    if (out[majorsKey(p)] === undefined && now.length > 0 && now.every((m) => allowed.has(m))) out[majorsKey(p)] = now;
  }
  return out;
}

function matchedMajor(p: SerialPortSpec, candidates: readonly SerialCandidate[]): number[] {
  const m = matchSerialDevice(p.deviceId, candidates);
  return m.kind === 'one' && m.device.major !== null ? [m.device.major] : [];
}

const sortedUnique = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);
