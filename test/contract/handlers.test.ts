import { describe, expect, it } from 'vitest';
import type { AgentBackend } from '../../electron/core/api/backend.js';
import { registerCerts } from '../../electron/core/api/handlers/certs.js';
import { registerDiagnostics } from '../../electron/core/api/handlers/diagnostics.js';
import { registerHandlers } from '../../electron/core/api/handlers/register.js';
import { registerEdit } from '../../electron/core/api/handlers/edit.js';
import { registerImages } from '../../electron/core/api/handlers/images.js';
import { registerPlc } from '../../electron/core/api/handlers/plc.js';
import { registerSerial } from '../../electron/core/api/handlers/serial.js';
import { registerOperations, type OperationsAccess } from '../../electron/core/api/handlers/operations.js';
import { registerSettings, type SettingsAccess } from '../../electron/core/api/handlers/settings.js';
import { EventHub } from '../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../electron/core/api/registry.js';
import { LogHub } from '../../electron/core/logging/log-hub.js';
import { events, invoke } from '../../shared/api/contract.js';

describe('contract ↔ handlers', () => {
  it('binds every invoke channel to exactly one handler', () => {
    const registry = new ApiRegistry();
    const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not called')) }) as AgentBackend;
    registerHandlers(registry, unused, new LogHub());
    registerSettings(registry, unused as unknown as SettingsAccess, []);
    registerCerts(registry, { mtlsDir: '/nonexistent', provisionUrl: 'https://example.invalid', caFile: undefined, events: new EventHub(), settings: unused as unknown as SettingsAccess, caFileSetting: undefined });
    registerOperations(registry, unused as unknown as OperationsAccess);
    registerImages(registry, () => Promise.reject(new Error('not called')));
    registerEdit(registry, () => Promise.reject(new Error('not called')));
    registerPlc(registry, () => Promise.reject(new Error('not called')));
    registerSerial(registry, () => Promise.reject(new Error('not called')));
    registerDiagnostics(registry, () => Promise.reject(new Error('not called')));
    expect(registry.unhandled()).toEqual([]);
  });

  it('names channels domain:action and events domain:thing', () => {
    for (const name of [...Object.keys(invoke), ...Object.keys(events)]) expect(name).toMatch(/^[a-z]+:[a-z-]+$/);
  });
});
