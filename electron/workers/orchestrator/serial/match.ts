import type { SerialInventory } from '../../../../shared/domain/serial.js';
import { matchSerialDevice as matchOne, type SerialMatchOf } from '../../../../shared/domain/serial-match.js';

/** A host node a serial port can be matched to: a by-id device, or a built-in UART (`deviceId` null). */
export type SerialCandidate = { path: string; deviceId: string | null; major: number | null; minor: number | null };

export type SerialMatch = SerialMatchOf<SerialCandidate>;

/** Every node of the inventory a port may name: the by-id devices, then the built-in UARTs. */
export function candidatesOf(inv: SerialInventory): SerialCandidate[] {
  return [
    ...inv.devices.map((d) => ({ path: d.path, deviceId: d.device_id, major: d.major, minor: d.minor })),
    ...inv.ports.map((p) => ({ path: p.path, deviceId: null, major: p.major, minor: p.minor })),
  ];
}

/** The device a configured `device_id` selects, by the rule shared with the UI (shared/domain/serial-match.ts). */
export function matchSerialDevice(configured: string, candidates: readonly SerialCandidate[]): SerialMatch {
  return matchOne(configured, candidates);
}
