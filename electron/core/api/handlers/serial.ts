import { SerialInventory } from '../../../../shared/domain/serial.js';
import { callOrchestrator, type RequestFn } from '../worker-backend.js';
import type { ApiRegistry } from '../registry.js';

/** `serial:devices`: the host's serial devices and built-in UARTs, as the orchestrator worker keeps them (docs/serial.md). */
export function registerSerial(registry: ApiRegistry, request: RequestFn): void {
  registry.register('serial:devices', () => callOrchestrator(request, 'serial.devices', {}, SerialInventory, 5_000));
}
