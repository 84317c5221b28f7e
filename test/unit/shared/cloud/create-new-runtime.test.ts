import { describe, expect, it } from 'vitest';
import {
  CreateNewRuntimeRequest,
  isDevicePath,
  toVplcSpec,
  vnicFileKey,
} from '../../../../shared/cloud/create-new-runtime.js';
import { parseCommand } from '../../../../shared/cloud/parse.js';
import { VplcSpec } from '../../../../shared/domain/vplc.js';

const vnic = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'eth0',
  parent_interface: 'ens37',
  network_mode: 'dhcp',
  ...over,
});
const req = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  correlation_id: 12345,
  container_name: 'plc-001',
  vnic_configs: [vnic()],
  ...over,
});

function parsed(payload: unknown): CreateNewRuntimeRequest {
  const r = parseCommand(CreateNewRuntimeRequest, payload);
  if (!r.ok) throw new Error(`unexpected failure: ${r.error}`);
  return r.value;
}

function failure(payload: unknown): { error: string; field: string } {
  const r = parseCommand(CreateNewRuntimeRequest, payload);
  if (r.ok) throw new Error('expected a validation failure');
  return { error: r.error, field: r.field };
}

describe('create_new_runtime: accepted requests', () => {
  it('parses a minimal request with defaults', () => {
    expect(parsed({ container_name: 'plc-001', vnic_configs: [] })).toEqual({
      container_name: 'plc-001',
      vnic_configs: [],
      serial_configs: [],
      runtime_version: 'latest',
    });
  });

  it('ignores extra keys, parent_subnet and parent_gateway', () => {
    const r = parsed(req({ surprise: true, vnic_configs: [vnic({ parent_subnet: 'junk', parent_gateway: 7, other: [] })] }));
    expect(r.vnic_configs[0]).toEqual({ name: 'eth0', parent_interface: 'ens37', network_mode: 'dhcp', dns: [] });
    expect(r).not.toHaveProperty('surprise');
  });

  it.each([
    ['manual', 'static'],
    ['MANUAL', 'static'],
    ['Static', 'static'],
    ['DHCP', 'dhcp'],
  ])('network_mode %s → %s', (mode, out) => {
    const r = parsed(req({ vnic_configs: [vnic({ network_mode: mode, ip: '192.168.1.50' })] }));
    expect(r.vnic_configs[0]?.network_mode).toBe(out);
  });

  it('merges aliases: ip_address and mac_address, with normalisation', () => {
    const r = parsed(req({ vnic_configs: [vnic({ network_mode: 'static', ip_address: '192.168.1.50/24', mac_address: '0A-1B-2C-3D-4E-5F' })] }));
    expect(r.vnic_configs[0]).toEqual({
      name: 'eth0',
      parent_interface: 'ens37',
      network_mode: 'static',
      ip: '192.168.1.50',
      ip_prefix: 24,
      dns: [],
      mac: '0a:1b:2c:3d:4e:5f',
    });
  });

  it('accepts both spellings when they agree after normalisation', () => {
    const r = parsed(
      req({
        vnic_configs: [
          vnic({ network_mode: 'static', ip: '192.168.1.50/24', ip_address: '192.168.1.50', mac: 'AA:BB:CC:DD:EE:F0', mac_address: 'aa-bb-cc-dd-ee-f0' }),
        ],
      }),
    );
    expect(r.vnic_configs[0]).toMatchObject({ ip: '192.168.1.50', ip_prefix: 24, mac: 'aa:bb:cc:dd:ee:f0' });
  });

  it('treats blank optional strings and nulls as absent', () => {
    const r = parsed(
      req({
        runtime_version: '',
        dedicated_interface: '',
        serial_configs: null,
        vnic_configs: [vnic({ ip: '', ip_address: null, subnet: '', gateway: ' ', dns: null, mac: '', mac_address: null })],
      }),
    );
    expect(r.runtime_version).toBe('latest');
    expect(r.dedicated_interface).toBeUndefined();
    expect(r.serial_configs).toEqual([]);
    expect(r.vnic_configs[0]).toEqual({ name: 'eth0', parent_interface: 'ens37', network_mode: 'dhcp', dns: [] });
  });

  it('keeps subnet as given (CIDR or netmask), gateway and dns', () => {
    const r = parsed(
      req({
        runtime_version: 'v4.1.0',
        vnic_configs: [
          vnic({ name: 'a', network_mode: 'static', ip: '192.168.1.50', subnet: '255.255.255.0', gateway: '192.168.1.1', dns: ['8.8.8.8', '', '1.1.1.1'] }),
          vnic({ name: 'b', parent_interface: 'eth1', subnet: '10.0.0.7/8' }),
        ],
      }),
    );
    expect(r.runtime_version).toBe('v4.1.0');
    expect(r.vnic_configs[0]).toMatchObject({ subnet: '255.255.255.0', gateway: '192.168.1.1', dns: ['8.8.8.8', '1.1.1.1'] });
    expect(r.vnic_configs[1]?.subnet).toBe('10.0.0.7/8');
  });

  it('accepts serial configs', () => {
    const r = parsed(req({ serial_configs: [{ name: 'rtu', device_id: 'usb-FTDI_1', container_path: '/dev/modbus0', baud_rate: 9600, x: 1 }] }));
    expect(r.serial_configs).toEqual([{ name: 'rtu', device_id: 'usb-FTDI_1', container_path: '/dev/modbus0', baud_rate: 9600 }]);
  });
});

describe('create_new_runtime: validation messages', () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ['missing container_name', { vnic_configs: [] }, 'Missing required field: container_name', 'container_name'],
    ['missing vnic_configs', { container_name: 'plc-001' }, 'Missing required field: vnic_configs', 'vnic_configs'],
    ['container_name not a string', req({ container_name: 7 }), 'Invalid field type: container_name: Value must be a string.', 'container_name'],
    ['container_name empty', req({ container_name: '' }), 'Invalid field type: container_name: Value must be a non-empty string.', 'container_name'],
    ...['a', '-plc', 'plc 1', 'x'.repeat(64), '__orchestrator__', 'plc/1'].map(
      (name): [string, Record<string, unknown>, string, string] => [
        `container_name ${JSON.stringify(name)}`,
        req({ container_name: name }),
        "Invalid field type: container_name: Value must be a valid container name (2-63 chars of letters, digits, '_', '.', '-', starting with a letter or digit).",
        'container_name',
      ],
    ),
    ['vnic_configs not a list', req({ vnic_configs: {} }), 'Invalid field type: vnic_configs: Value must be a list.', 'vnic_configs'],
    ['vnic not an object', req({ vnic_configs: [vnic(), 'eth0'] }), 'Invalid field type: vnic_configs[1]: Value must be an object.', 'vnic_configs[1]'],
    ['vnic name missing', req({ vnic_configs: [{ parent_interface: 'eth0', network_mode: 'dhcp' }] }), 'Missing required field: vnic_configs[0].name', 'vnic_configs[0].name'],
    ['vnic name empty', req({ vnic_configs: [vnic({ name: '' })] }), 'Invalid field type: vnic_configs[0].name: Value must be a non-empty string.', 'vnic_configs[0].name'],
    [
      'parent_interface missing',
      req({ vnic_configs: [vnic(), { name: 'b', network_mode: 'dhcp' }] }),
      'Missing required field: vnic_configs[1].parent_interface',
      'vnic_configs[1].parent_interface',
    ],
    [
      'parent_interface too long',
      req({ vnic_configs: [vnic({ parent_interface: 'a-very-long-ifname' })] }),
      'Invalid field type: vnic_configs[0].parent_interface: Value must be a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars).',
      'vnic_configs[0].parent_interface',
    ],
    [
      'parent_interface not a string',
      req({ vnic_configs: [vnic({ parent_interface: 3 })] }),
      'Invalid field type: vnic_configs[0].parent_interface: Value must be a string.',
      'vnic_configs[0].parent_interface',
    ],
    [
      'network_mode unknown',
      req({ vnic_configs: [vnic({ network_mode: 'bridge' })] }),
      'Invalid field type: vnic_configs[0].network_mode: Value must be one of: dhcp, static, manual.',
      'vnic_configs[0].network_mode',
    ],
    ['network_mode missing', req({ vnic_configs: [vnic({ network_mode: undefined })] }), 'Missing required field: vnic_configs[0].network_mode', 'vnic_configs[0].network_mode'],
    [
      'bad ip',
      req({ vnic_configs: [vnic({ network_mode: 'static', ip: '192.168.1.300' })] }),
      'Invalid field type: vnic_configs[0].ip: Value must be an IPv4 address.',
      'vnic_configs[0].ip',
    ],
    [
      'bad ip prefix',
      req({ vnic_configs: [vnic({ network_mode: 'static', ip_address: '192.168.1.3/40' })] }),
      'Invalid field type: vnic_configs[0].ip_address: Value must be an IPv4 address.',
      'vnic_configs[0].ip_address',
    ],
    [
      'ip not a string',
      req({ vnic_configs: [vnic({ ip: 5 })] }),
      'Invalid field type: vnic_configs[0].ip: Value must be a string.',
      'vnic_configs[0].ip',
    ],
    [
      'static without ip',
      req({ vnic_configs: [vnic({ network_mode: 'static' })] }),
      'Validation error: vnic_configs[0].ip: an IP address (ip or ip_address) is required when network_mode is static',
      'vnic_configs[0].ip',
    ],
    [
      'manual without ip',
      req({ vnic_configs: [vnic(), vnic({ name: 'b', network_mode: 'manual', ip: '' })] }),
      'Validation error: vnic_configs[1].ip: an IP address (ip or ip_address) is required when network_mode is static',
      'vnic_configs[1].ip',
    ],
    [
      'ip alias conflict',
      req({ vnic_configs: [vnic({ network_mode: 'static', ip: '192.168.1.5', ip_address: '192.168.1.6' })] }),
      'Validation error: vnic_configs[0].ip: conflicts with ip_address',
      'vnic_configs[0].ip',
    ],
    [
      'ip alias prefix conflict',
      req({ vnic_configs: [vnic({ network_mode: 'static', ip: '192.168.1.5/24', ip_address: '192.168.1.5/16' })] }),
      'Validation error: vnic_configs[0].ip: conflicts with ip_address',
      'vnic_configs[0].ip',
    ],
    [
      'mac alias conflict',
      req({ vnic_configs: [vnic(), vnic({ name: 'b', parent_interface: 'eth1', mac: '02:00:00:00:00:01', mac_address: '02:00:00:00:00:02' })] }),
      'Validation error: vnic_configs[1].mac: conflicts with mac_address',
      'vnic_configs[1].mac',
    ],
    [
      'bad subnet',
      req({ vnic_configs: [vnic({ subnet: '255.0.255.0' })] }),
      'Invalid field type: vnic_configs[0].subnet: Value must be a CIDR subnet or a dotted netmask.',
      'vnic_configs[0].subnet',
    ],
    [
      'bad gateway',
      req({ vnic_configs: [vnic({ gateway: '192.168.1.1/24' })] }),
      'Invalid field type: vnic_configs[0].gateway: Value must be an IPv4 address.',
      'vnic_configs[0].gateway',
    ],
    ['dns not a list', req({ vnic_configs: [vnic({ dns: '8.8.8.8' })] }), 'Invalid field type: vnic_configs[0].dns: Value must be a list.', 'vnic_configs[0].dns'],
    [
      'bad dns entry',
      req({ vnic_configs: [vnic({ dns: ['8.8.8.8', 'dns.google'] })] }),
      'Invalid field type: vnic_configs[0].dns[1]: Value must be an IPv4 address.',
      'vnic_configs[0].dns[1]',
    ],
    ...['01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', 'zz:00:00:00:00:00', '02:00:00:00:00'].map(
      (mac): [string, Record<string, unknown>, string, string] => [
        `mac ${mac}`,
        req({ vnic_configs: [vnic({ mac_address: mac })] }),
        'Invalid field type: vnic_configs[0].mac_address: Value must be a unicast MAC address (aa:bb:cc:dd:ee:ff).',
        'vnic_configs[0].mac_address',
      ],
    ),
    [
      'duplicate vNIC name',
      req({ vnic_configs: [vnic(), vnic({ parent_interface: 'eth1' })] }),
      "Validation error: vnic_configs[1].name: vNIC name 'eth0' is already used by vnic_configs[0]",
      'vnic_configs[1].name',
    ],
    [
      'vNIC names that collide in file keys',
      req({ vnic_configs: [vnic({ name: 'lan a' }), vnic({ name: 'lan_a', parent_interface: 'eth1' })] }),
      "Validation error: vnic_configs[1].name: vNIC name 'lan_a' clashes with 'lan a' of vnic_configs[0] (both are stored as 'lan_a')",
      'vnic_configs[1].name',
    ],
    ['serial_configs not a list', req({ serial_configs: 'x' }), 'Invalid field type: serial_configs: Value must be a list.', 'serial_configs'],
    [
      'serial device_id empty',
      req({ serial_configs: [{ name: 's', device_id: '', container_path: '/dev/ttyS0' }] }),
      'Invalid field type: serial_configs[0].device_id: Value must be a non-empty string.',
      'serial_configs[0].device_id',
    ],
    [
      'serial container_path missing',
      req({ serial_configs: [{ name: 's', device_id: 'd' }] }),
      'Missing required field: serial_configs[0].container_path',
      'serial_configs[0].container_path',
    ],
    ...['/dev/../etc/passwd', '/tmp/x', '/dev/', '/dev//x', '/dev/tty S0'].map(
      (p): [string, Record<string, unknown>, string, string] => [
        `serial container_path ${p}`,
        req({ serial_configs: [{ name: 's', device_id: 'd', container_path: p }] }),
        'Invalid field type: serial_configs[0].container_path: Value must be a device path under /dev/.',
        'serial_configs[0].container_path',
      ],
    ),
    ...['/dev/null', '/dev/pts/0', '/dev/shm/x', '/dev/stdin'].map((p): [string, Record<string, unknown>, string, string] => [
      `serial container_path ${p} (one of Docker's own entries)`,
      req({ serial_configs: [{ name: 's', device_id: 'd', container_path: p }] }),
      `Validation error: serial_configs[0].container_path: ${p === '/dev/null' || p === '/dev/stdin' ? p : `${p} is below /dev/${p.split('/')[2] ?? ''}, which`} is one of the entries Docker gives every container; a serial port there would replace it, so pick another path such as /dev/ttyRTU0`,
      'serial_configs[0].container_path',
    ]),
    [
      'serial baud_rate boolean',
      req({ serial_configs: [{ name: 's', device_id: 'd', container_path: '/dev/ttyS0', baud_rate: true }] }),
      'Invalid field type: serial_configs[0].baud_rate: Value must be a number.',
      'serial_configs[0].baud_rate',
    ],
    ['runtime_version not a string', req({ runtime_version: 4 }), 'Invalid field type: runtime_version: Value must be a string.', 'runtime_version'],
    ['runtime_version bad tag', req({ runtime_version: 'v1:2' }), 'Invalid field type: runtime_version: Value must be a valid image tag.', 'runtime_version'],
    [
      'dedicated_interface bad',
      req({ dedicated_interface: 'eth 0' }),
      'Invalid field type: dedicated_interface: Value must be a valid Linux interface name (alphanumeric, dots, dashes, underscores, max 15 chars).',
      'dedicated_interface',
    ],
    [
      'correlation_id boolean',
      req({ correlation_id: true }),
      'Invalid field type: correlation_id: Value must be a number or a string.',
      'correlation_id',
    ],
    [
      'first issue is depth-first in declaration order',
      req({ container_name: 'ok-name', vnic_configs: [vnic({ gateway: 'x', name: 5 }), vnic({ parent_interface: '' })], runtime_version: '?' }),
      'Invalid field type: vnic_configs[0].name: Value must be a string.',
      'vnic_configs[0].name',
    ],
  ])('%s', (_name, payload, error, field) => {
    expect(failure(payload)).toEqual({ error, field });
  });

  it('reports a missing key as Missing and a null as the wrong type', () => {
    expect(failure(req({ container_name: undefined })).error).toBe('Missing required field: container_name');
    expect(failure(req({ container_name: null })).error).toBe('Invalid field type: container_name: Value must be a string.');
  });
});

describe('helpers', () => {
  it('vnicFileKey', () => {
    expect(vnicFileKey('eth0')).toBe('eth0');
    expect(vnicFileKey('lan a/b')).toBe('lan_a_b');
  });

  it('isDevicePath', () => {
    expect(isDevicePath('/dev/ttyUSB0')).toBe(true);
    expect(isDevicePath('/dev/serial/by-id/usb-FTDI_1.0-port0')).toBe(true);
    expect(isDevicePath('/dev/./x')).toBe(false);
    expect(isDevicePath('/dev/x/')).toBe(false);
    for (const p of ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/console', '/dev/ptmx', '/dev/pts/3', '/dev/shm', '/dev/mqueue/q', '/dev/fd/0', '/dev/stdin', '/dev/stdout', '/dev/stderr', '/dev/core']) {
      expect(isDevicePath(p), p).toBe(false);
    }
    // Only the entry itself and what is below it: a name that merely starts alike is fine.
    expect(isDevicePath('/dev/tty0')).toBe(true);
    expect(isDevicePath('/dev/ttyRTU0')).toBe(true);
    expect(isDevicePath('/dev/serial/null')).toBe(true);
  });
});

describe('toVplcSpec', () => {
  it('produces the normalised domain spec', () => {
    const spec = toVplcSpec(
      parsed(
        req({
          runtime_version: 'v4.2',
          vnic_configs: [
            vnic({ name: 'lan', network_mode: 'Manual', ip_address: '192.168.1.50/24', gateway: '192.168.1.1', mac: '0A:1B:2C:3D:4E:5F', dns: ['8.8.8.8'] }),
            vnic({ name: 'plant', parent_interface: 'eth1', subnet: '255.255.0.0', ip: '10.1.2.3' }),
          ],
        }),
      ),
    );
    expect(spec).toEqual({
      name: 'plc-001',
      runtimeVersion: 'v4.2',
      vnics: [
        {
          name: 'lan',
          parentInterface: 'ens37',
          mode: 'static',
          ip: '192.168.1.50',
          ipPrefix: 24,
          gateway: '192.168.1.1',
          dns: ['8.8.8.8'],
          mac: '0a:1b:2c:3d:4e:5f',
        },
        // A DHCP vNIC carries no static address.
        { name: 'plant', parentInterface: 'eth1', mode: 'dhcp', subnet: '255.255.0.0', dns: [] },
      ],
    });
    expect(VplcSpec.parse(spec)).toEqual(spec);
  });

  it('defaults runtimeVersion to latest and dns to []', () => {
    const spec = toVplcSpec(parsed({ container_name: 'ab', vnic_configs: [vnic()] }));
    expect(spec.runtimeVersion).toBe('latest');
    expect(spec.vnics[0]?.dns).toEqual([]);
    expect(spec.vnics[0]).not.toHaveProperty('mac');
    expect(spec.vnics[0]).not.toHaveProperty('ip');
  });
});

describe('dedicated_interface (docs/host-nics.md)', () => {
  it('carries the NIC into the domain spec, with serial ports alongside', () => {
    const spec = toVplcSpec(parsed(req({ serial_configs: [{ name: 's', device_id: 'd', container_path: '/dev/ttyS0' }], dedicated_interface: 'enp4s0' })));
    expect(spec.dedicatedInterface).toBe('enp4s0');
    expect(spec.serialPorts).toHaveLength(1);
  });

  it('gives no dedicatedInterface when none or a blank one was asked for', () => {
    expect(toVplcSpec(parsed(req()))).not.toHaveProperty('dedicatedInterface');
    expect(toVplcSpec(parsed(req({ dedicated_interface: '' })))).not.toHaveProperty('dedicatedInterface');
  });

  it('keeps WiFi vNICs (they are built with proxy ARP, not refused)', () => {
    const spec = toVplcSpec(parsed(req({ vnic_configs: [vnic(), vnic({ name: 'wvnic', parent_interface: 'wlan0' })] })));
    expect(spec.vnics.map((v) => v.parentInterface)).toEqual([spec.vnics[0]?.parentInterface, 'wlan0']);
  });
});

describe('create_new_runtime EXTEND fields (operations)', () => {
  it('carries depends_on, auto_update, quotas and change_policy into the domain spec', () => {
    const spec = toVplcSpec(parsed(req({ depends_on: ['plc-io'], auto_update: true, quotas: { cpus: 0.5, memory_mb: 256 }, change_policy: 'immediate' })));
    expect(spec).toMatchObject({ dependsOn: ['plc-io'], autoUpdate: true, quotas: { cpus: 0.5, memoryMb: 256 }, changePolicy: 'immediate' });
    expect(VplcSpec.parse(spec)).toMatchObject({ quotas: { cpus: 0.5, memoryMb: 256 } });
  });

  it('leaves them out when absent', () => {
    const spec = toVplcSpec(parsed(req()));
    expect(Object.keys(spec).sort()).toEqual(['name', 'runtimeVersion', 'vnics']);
  });

  it.each([
    [{ quotas: { memory_mb: 8 } }, 'quotas.memory_mb'],
    [{ quotas: { cpus: 0 } }, 'quotas.cpus'],
    [{ change_policy: 'sometimes' }, 'change_policy'],
    [{ depends_on: ['bad name'] }, 'depends_on[0]'],
    [{ auto_update: 'yes' }, 'auto_update'],
  ])('refuses %j naming %s', (over, field) => {
    const f = failure(req(over));
    expect(f.field).toBe(field);
    expect(f.error).toContain(field);
  });
});
