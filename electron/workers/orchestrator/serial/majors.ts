import type { SerialPortSpec } from '../../../../shared/domain/serial.js';
import { matchSerialDevice, type SerialCandidate } from './match.js';

/**
 * Majors allowed for a port whose device the agent has never seen: USB serial adapters, the only devices with by-id
 * links, are `ttyACM` (166) or `ttyUSB` (188).
 */
export const USB_SERIAL_MAJORS: readonly number[] = [166, 188];

/** Per port name, the majors its container was created with (`serial_majors` of the desired record). */
export type LearnedMajors = Readonly<Record<string, readonly number[]>>;

/**
 * The character-device majors a vPLC's container allows (docs/serial.md "Device access"). Per port: the majors it was
 * created with plus the major of the device it matches now; a port with neither gets the USB serial majors. Docker
 * fixes the rules when it creates the container, so a device with a major outside them makes this set differ from the
 * container's: the spec hash changes and the recreate waits for the change window like any other change. Pure.
 */
export function allowedSerialMajors(ports: readonly SerialPortSpec[], learned: LearnedMajors, candidates: readonly SerialCandidate[]): number[] {
  return sortedUnique(Object.values(majorsPerPort(ports, learned, candidates)).flat());
}

/** The same, per port name: what the create pipeline records as `serial_majors`. Pure. */
export function majorsPerPort(ports: readonly SerialPortSpec[], learned: LearnedMajors, candidates: readonly SerialCandidate[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of ports) {
    const m = matchSerialDevice(p.deviceId, candidates);
    const now = m.kind === 'one' && m.device.major !== null ? [m.device.major] : [];
    const majors = sortedUnique([...(learned[p.name] ?? []), ...now]);
    out[p.name] = majors.length > 0 ? majors : [...USB_SERIAL_MAJORS];
  }
  return out;
}

const sortedUnique = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);
