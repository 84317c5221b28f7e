import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../../../shared/cloud/parse.js';
import {
  ApplyPendingChangesRequest,
  DeleteDeviceRequest,
  DeleteOrchestratorRequest,
  GetConsumptionDeviceRequest,
  GetConsumptionOrchestratorRequest,
  GetDeviceStatusRequest,
  GetHostInterfacesRequest,
  GetSerialDevicesRequest,
  isRequestTopic,
  REQUEST_CONTRACTS,
  REQUEST_TOPICS,
  RestartDeviceRequest,
  RunCommandRequest,
  StartDeviceRequest,
  StopDeviceRequest,
} from '../../../../shared/cloud/topics.js';
import type { RunCommandProxyRequest } from '../../../../shared/cloud/topics.js';

/** The type the run_command proxy consumes (copied from its brief). */
type ProxyInput = {
  device_id: string;
  method: string;
  api: string;
  port?: number | null;
  headers?: Record<string, string> | null;
  params?: Record<string, unknown> | null;
  data?: unknown;
  files?: Record<string, { filename?: string | null; content_base64?: string | null; content_type?: string | null } | string> | null;
};

function run(payload: unknown): RunCommandRequest {
  const r = parseCommand(RunCommandRequest, payload);
  if (!r.ok) throw new Error(`unexpected failure: ${r.error}`);
  return r.value;
}

function runError(payload: unknown): { error: string; field: string } {
  const r = parseCommand(RunCommandRequest, payload);
  if (r.ok) throw new Error('expected a validation failure');
  return { error: r.error, field: r.field };
}

const cmd = { correlation_id: 12345, device_id: 'plc-001', method: 'POST', api: '/api/upload-file' };

describe('topic table', () => {
  it('has a contract for every request topic of §4.0 (and apply_pending_changes)', () => {
    expect([...REQUEST_TOPICS].sort()).toEqual(
      [
        'apply_pending_changes',
        'create_new_runtime',
        'delete_device',
        'delete_orchestrator',
        'get_consumption_device',
        'get_consumption_orchestrator',
        'get_device_status',
        'get_host_interfaces',
        'get_serial_devices',
        'restart_device',
        'run_command',
        'start_device',
        'stop_device',
      ].sort(),
    );
    expect(isRequestTopic('run_command')).toBe(true);
    expect(isRequestTopic('webrtc:offer')).toBe(false);
    expect(isRequestTopic('toString')).toBe(false);
    expect(REQUEST_CONTRACTS.get_device_status).toBe(GetDeviceStatusRequest);
  });

  it.each([
    ['delete_device', DeleteDeviceRequest],
    ['get_device_status', GetDeviceStatusRequest],
    ['start_device', StartDeviceRequest],
    ['stop_device', StopDeviceRequest],
    ['restart_device', RestartDeviceRequest],
    ['apply_pending_changes', ApplyPendingChangesRequest],
  ])('%s is BASE_DEVICE', (_topic, schema) => {
    expect(parseCommand(schema, { correlation_id: 8, device_id: 'plc-001', x: 1 })).toEqual({
      ok: true,
      value: { correlation_id: 8, device_id: 'plc-001' },
    });
    expect(parseCommand(schema, { correlation_id: 8 })).toEqual({ ok: false, error: 'Missing required field: device_id', field: 'device_id' });
  });

  it.each([
    ['delete_orchestrator', DeleteOrchestratorRequest],
    ['get_serial_devices', GetSerialDevicesRequest],
  ])('%s is BASE_MESSAGE', (_topic, schema) => {
    expect(parseCommand(schema, { correlation_id: 7 })).toEqual({ ok: true, value: { correlation_id: 7 } });
    expect(parseCommand(schema, { correlation_id: true })).toEqual({
      ok: false,
      error: 'Invalid field type: correlation_id: Value must be a number or a string.',
      field: 'correlation_id',
    });
  });
});

describe('get_host_interfaces', () => {
  it('defaults include_virtual=false and detailed=true (absent or null)', () => {
    expect(parseCommand(GetHostInterfacesRequest, { correlation_id: 3 })).toEqual({
      ok: true,
      value: { correlation_id: 3, include_virtual: false, detailed: true },
    });
    expect(parseCommand(GetHostInterfacesRequest, { include_virtual: null, detailed: null })).toEqual({
      ok: true,
      value: { include_virtual: false, detailed: true },
    });
    expect(parseCommand(GetHostInterfacesRequest, { include_virtual: true, detailed: false })).toEqual({
      ok: true,
      value: { include_virtual: true, detailed: false },
    });
  });

  it('rejects non-booleans', () => {
    expect(parseCommand(GetHostInterfacesRequest, { include_virtual: 1 })).toEqual({
      ok: false,
      error: 'Invalid field type: include_virtual: Value must be a boolean.',
      field: 'include_virtual',
    });
    expect(parseCommand(GetHostInterfacesRequest, { detailed: 'true' })).toEqual({
      ok: false,
      error: 'Invalid field type: detailed: Value must be a boolean.',
      field: 'detailed',
    });
  });
});

describe('get_consumption_device / get_consumption_orchestrator', () => {
  it('defaults both periods to 1h', () => {
    expect(parseCommand(GetConsumptionDeviceRequest, { device_id: 'plc1' })).toEqual({
      ok: true,
      value: { device_id: 'plc1', cpuPeriod: '1h', memoryPeriod: '1h' },
    });
    expect(parseCommand(GetConsumptionOrchestratorRequest, { cpuPeriod: '1712750000,1712753600', memoryPeriod: null })).toEqual({
      ok: true,
      value: { cpuPeriod: '1712750000,1712753600', memoryPeriod: '1h' },
    });
  });

  it('validates types', () => {
    expect(parseCommand(GetConsumptionDeviceRequest, { cpuPeriod: '1h' })).toEqual({
      ok: false,
      error: 'Missing required field: device_id',
      field: 'device_id',
    });
    expect(parseCommand(GetConsumptionOrchestratorRequest, { memoryPeriod: 3600 })).toEqual({
      ok: false,
      error: 'Invalid field type: memoryPeriod: Value must be a string.',
      field: 'memoryPeriod',
    });
  });
});

describe('run_command (§4.4)', () => {
  it('parses the protocol example', () => {
    const r = run({
      ...cmd,
      port: 8443,
      headers: { Authorization: 'Bearer x' },
      params: { a: 1 },
      data: { k: 'v' },
      files: { file: { filename: 'prog.zip', content_base64: 'UEsDB...', content_type: 'application/zip' } },
    });
    expect(r).toEqual({
      ...cmd,
      port: 8443,
      headers: { Authorization: 'Bearer x' },
      params: { a: 1 },
      data: { k: 'v' },
      files: { file: { filename: 'prog.zip', content_base64: 'UEsDB...', content_type: 'application/zip' } },
    });
    const proxy: ProxyInput = r;
    const proxy2: RunCommandProxyRequest = r;
    expect(proxy).toBe(proxy2);
  });

  it('defaults port to 8443 and leaves optional fields absent', () => {
    const r = run({ device_id: 'plc-001', method: 'GET', api: 'status', port: null });
    expect(r).toEqual({ device_id: 'plc-001', method: 'GET', api: 'status', port: 8443 });
  });

  it('keeps data of any JSON type, including falsy values', () => {
    for (const data of [null, false, 0, '', {}, [], 'raw', [1, 2]]) {
      expect(run({ ...cmd, data }).data).toEqual(data);
    }
  });

  it('coerces number and boolean header values to strings', () => {
    expect(run({ ...cmd, headers: { 'X-Count': 3, 'X-Flag': true, 'X-Ratio': 1.5, 'X-Name': 'n' } }).headers).toEqual({
      'X-Count': '3',
      'X-Flag': 'true',
      'X-Ratio': '1.5',
      'X-Name': 'n',
    });
  });

  it('accepts string file entries and drops unknown keys of object entries', () => {
    expect(run({ ...cmd, files: { prog: 'cHJvZw==', f: { filename: null, content_base64: 'eA==', size: 3 } } }).files).toEqual({
      prog: 'cHJvZw==',
      f: { filename: null, content_base64: 'eA==' },
    });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['missing method', { device_id: 'd1', api: '/x' }, 'Missing required field: method', 'method'],
    ['missing api', { device_id: 'd1', method: 'GET' }, 'Missing required field: api', 'api'],
    ['missing device_id first', { method: 'GET' }, 'Missing required field: device_id', 'device_id'],
    ['method not a string', { ...cmd, method: 1 }, 'Invalid field type: method: Value must be a string.', 'method'],
    ['port 0', { ...cmd, port: 0 }, 'Invalid field type: port: Value must be a TCP port (1-65535).', 'port'],
    ['port 65536', { ...cmd, port: 65536 }, 'Invalid field type: port: Value must be a TCP port (1-65535).', 'port'],
    ['port 80.5', { ...cmd, port: 80.5 }, 'Invalid field type: port: Value must be a TCP port (1-65535).', 'port'],
    ['port string', { ...cmd, port: '8443' }, 'Invalid field type: port: Value must be a number.', 'port'],
    ['port boolean', { ...cmd, port: true }, 'Invalid field type: port: Value must be a number.', 'port'],
    ['headers list', { ...cmd, headers: ['a'] }, 'Invalid field type: headers: Value must be an object.', 'headers'],
    ['header object value', { ...cmd, headers: { A: 'x', B: { c: 1 } } }, 'Invalid field type: headers.B: Value must be a string.', 'headers.B'],
    ['header null value', { ...cmd, headers: { A: null } }, 'Invalid field type: headers.A: Value must be a string.', 'headers.A'],
    ['params string', { ...cmd, params: 'a=1' }, 'Invalid field type: params: Value must be an object.', 'params'],
    ['files list', { ...cmd, files: [] }, 'Invalid field type: files: Value must be an object.', 'files'],
    ['file entry number', { ...cmd, files: { file: 5 } }, 'Invalid field type: files.file: Value must be an object or a string.', 'files.file'],
    ['file entry list', { ...cmd, files: { file: ['x'] } }, 'Invalid field type: files.file: Value must be an object or a string.', 'files.file'],
    ['file entry null', { ...cmd, files: { file: null } }, 'Invalid field type: files.file: Value must be an object or a string.', 'files.file'],
    [
      'file entry field of the wrong type',
      { ...cmd, files: { file: { filename: 'a', content_base64: 42 } } },
      'Invalid field type: files.file.content_base64: Value must be a string.',
      'files.file.content_base64',
    ],
  ])('%s', (_name, payload, error, field) => {
    expect(runError(payload)).toEqual({ error, field });
  });
});
