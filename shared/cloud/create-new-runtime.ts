import type { z } from 'zod';
import { IFNAME_RE, IMAGE_TAG_RE, RESERVED_DEVICE_ID, VPLC_NAME_RE } from '../domain/vplc.js';
import type { NetworkMode, VnicSpec, VplcSpec } from '../domain/vplc.js';
import { isIpv4, netmaskToPrefix, parseCidr, splitIpAndPrefix } from '../net/ipv4.js';
import { isAssignableMac, normalizeMac } from '../net/mac.js';
import { isDevicePath, isDevicePathFormat, reservedDevicePath, type SerialPortSpec } from '../domain/serial.js';
import {
  addCrossFieldIssue,
  BaseMessage,
  bool,
  formatted,
  ifname,
  list,
  nonEmptyStr,
  num,
  obj,
  opt,
  optBlank,
  withDefault,
} from './base.js';
import { enumReason, REASON } from './errors.js';

/**
 * Wire contract of `create_new_runtime` (docs/protocol.md §4.1) with its IMPROVE rules, and the mapping to
 * the domain spec. Parsing yields a normalised request: aliases merged, `manual` → `static`, MACs
 * canonical, IPs split from their prefix, blank optional strings treated as absent.
 */

export const NETWORK_MODE_VALUES = ['dhcp', 'static', 'manual'] as const;

const STATIC_NEEDS_IP = 'an IP address (ip or ip_address) is required when network_mode is static';

/** In file and lease keys, characters outside `[A-Za-z0-9_.-]` become `_` (§4.1). */
export function vnicFileKey(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export { isDevicePath };

function parseNetworkMode(s: string): NetworkMode | null {
  const mode = s.toLowerCase();
  if (mode === 'dhcp') return 'dhcp';
  if (mode === 'static' || mode === 'manual') return 'static';
  return null;
}

function parseSubnetField(s: string): string | null {
  return parseCidr(s) !== null || netmaskToPrefix(s) !== null ? s : null;
}

function parseUserMac(s: string): string | null {
  const mac = normalizeMac(s);
  return mac !== null && isAssignableMac(mac) ? mac : null;
}

const ContainerName = nonEmptyStr()
  .refine((s) => VPLC_NAME_RE.test(s), { error: REASON.containerName, abort: true })
  .refine((s) => s !== RESERVED_DEVICE_ID, { error: REASON.containerName, abort: true });

const NetworkModeField = formatted(parseNetworkMode, enumReason(NETWORK_MODE_VALUES), REASON.string);
const IpField = optBlank(formatted(splitIpAndPrefix, REASON.ipv4, REASON.string));
const SubnetField = optBlank(formatted(parseSubnetField, REASON.subnet, REASON.string));
const Ipv4Field = formatted((s) => (isIpv4(s) ? s : null), REASON.ipv4, REASON.string);
const MacField = optBlank(formatted(parseUserMac, REASON.mac, REASON.string));
const DnsField = opt(list(optBlank(Ipv4Field))).transform((l) => (l ?? []).filter((d): d is string => d !== undefined));

/** A vNIC as written on the wire (extra keys, `parent_subnet` and `parent_gateway` ignored). */
const VnicWire = obj({
  name: nonEmptyStr(),
  parent_interface: formatted((s) => (IFNAME_RE.test(s) ? s : null), REASON.ifname, REASON.string),
  network_mode: NetworkModeField,
  ip: IpField,
  ip_address: IpField,
  subnet: SubnetField,
  gateway: optBlank(Ipv4Field),
  dns: DnsField,
  mac: MacField,
  mac_address: MacField,
});
type VnicWire = z.output<typeof VnicWire>;

/** The normalised vNIC of a parsed request. */
export interface VnicConfig {
  name: string;
  parent_interface: string;
  network_mode: NetworkMode;
  /** Address without prefix (from `ip` or `ip_address`). */
  ip?: string;
  /** The `/prefix` that came with the address, if any. */
  ip_prefix?: number;
  /** CIDR or dotted netmask, as given. */
  subnet?: string;
  gateway?: string;
  dns: string[];
  /** The user's MAC (from `mac` or `mac_address`), canonical. */
  mac?: string;
}

function vnicCrossChecks(v: VnicWire, ctx: z.core.$RefinementCtx<VnicWire>): void {
  if (v.ip !== undefined && v.ip_address !== undefined) {
    const prefixesDiffer = v.ip.prefix !== undefined && v.ip_address.prefix !== undefined && v.ip.prefix !== v.ip_address.prefix;
    if (v.ip.ip !== v.ip_address.ip || prefixesDiffer) addCrossFieldIssue(ctx, ['ip'], 'conflicts with ip_address');
  }
  if (v.network_mode === 'static' && v.ip === undefined && v.ip_address === undefined) {
    addCrossFieldIssue(ctx, ['ip'], STATIC_NEEDS_IP);
  }
  if (v.mac !== undefined && v.mac_address !== undefined && v.mac !== v.mac_address) {
    addCrossFieldIssue(ctx, ['mac'], 'conflicts with mac_address');
  }
}

function toVnicConfig(v: VnicWire): VnicConfig {
  const out: VnicConfig = { name: v.name, parent_interface: v.parent_interface, network_mode: v.network_mode, dns: v.dns };
  const ip = v.ip ?? v.ip_address;
  if (ip !== undefined) {
    out.ip = ip.ip;
    const prefix = v.ip?.prefix ?? v.ip_address?.prefix;
    if (prefix !== undefined) out.ip_prefix = prefix;
  }
  if (v.subnet !== undefined) out.subnet = v.subnet;
  if (v.gateway !== undefined) out.gateway = v.gateway;
  const mac = v.mac ?? v.mac_address;
  if (mac !== undefined) out.mac = mac;
  return out;
}

export const VnicConfig = VnicWire.superRefine(vnicCrossChecks).transform(toVnicConfig);

function uniqueNames(vnics: VnicConfig[], ctx: z.core.$RefinementCtx<VnicConfig[]>): void {
  const byName = new Map<string, number>();
  const byKey = new Map<string, number>();
  vnics.forEach((v, i) => {
    const same = byName.get(v.name);
    const key = vnicFileKey(v.name);
    const clash = byKey.get(key);
    if (same !== undefined) {
      addCrossFieldIssue(ctx, [i, 'name'], `vNIC name '${v.name}' is already used by vnic_configs[${same}]`);
    } else if (clash !== undefined) {
      const other = vnics[clash]?.name ?? '';
      addCrossFieldIssue(
        ctx,
        [i, 'name'],
        `vNIC name '${v.name}' clashes with '${other}' of vnic_configs[${clash}] (both are stored as '${key}')`,
      );
    }
    if (!byName.has(v.name)) byName.set(v.name, i);
    if (!byKey.has(key)) byKey.set(key, i);
  });
}

const BAUD_RATE = 'must be a whole number of bits per second above 0';

/**
 * Serial object (§4.1, docs/serial.md "Serial ports of a vPLC"). IMPROVE: a non-empty name; `baud_rate` is
 * informational, and a value that is not a whole number above 0 is refused rather than stored altered or dropped.
 */
export const SerialConfig = obj({
  name: nonEmptyStr(),
  device_id: nonEmptyStr(),
  container_path: formatted((s) => (isDevicePathFormat(s) ? s : null), REASON.devicePath, REASON.string),
  baud_rate: opt(num().refine((n) => Number.isInteger(n) && n > 0, { error: BAUD_RATE, abort: true })),
  /** EXTEND (docs/serial.md "Sharing a device"): another vPLC may configure the same device; default false. */
  shared: opt(bool()),
});
export type SerialConfig = z.output<typeof SerialConfig>;

/**
 * Port names and container paths are unique within a request (one node per path inside the container), and no path is
 * one of the entries Docker gives every container (`/dev/null`, `/dev/pts/…`), which the node would replace.
 */
function uniqueSerialPorts(ports: SerialConfig[], ctx: z.core.$RefinementCtx<SerialConfig[]>): void {
  const byName = new Map<string, number>();
  const byPath = new Map<string, number>();
  ports.forEach((p, i) => {
    const sameName = byName.get(p.name);
    const samePath = byPath.get(p.container_path);
    const reserved = reservedDevicePath(p.container_path);
    if (reserved !== null) addCrossFieldIssue(ctx, [i, 'container_path'], reserved);
    else if (sameName !== undefined) addCrossFieldIssue(ctx, [i, 'name'], `serial port name '${p.name}' is already used by serial_configs[${sameName}]`);
    else if (samePath !== undefined) addCrossFieldIssue(ctx, [i, 'container_path'], `${p.container_path} is already used by serial_configs[${samePath}]`);
    if (!byName.has(p.name)) byName.set(p.name, i);
    if (!byPath.has(p.container_path)) byPath.set(p.container_path, i);
  });
}

/** `create_new_runtime` request: BASE_MESSAGE + the §4.1 fields, in this declaration order. */
export const CreateNewRuntimeRequest = BaseMessage.extend({
  container_name: ContainerName,
  vnic_configs: list(VnicConfig).superRefine(uniqueNames),
  serial_configs: withDefault(list(SerialConfig).superRefine(uniqueSerialPorts), []),
  runtime_version: optBlank(formatted((s) => (IMAGE_TAG_RE.test(s) ? s : null), REASON.imageTag, REASON.string)).transform(
    (v) => v ?? 'latest',
  ),
  dedicated_interface: optBlank(ifname()),
  /** EXTEND (operations, README "EXTEND fields"): vPLCs that must be healthy before this one starts. */
  depends_on: opt(list(ContainerName)),
  /** EXTEND: follow the registry digest of the runtime tag; applied only inside the change window. */
  auto_update: opt(bool()),
  /** EXTEND: container limits; absent means unlimited. */
  quotas: opt(
    obj({
      cpus: opt(num().refine((n) => n > 0 && n <= 1024, { error: 'must be a number of CPUs above 0 and at most 1024' })),
      memory_mb: opt(num().refine((n) => Number.isInteger(n) && n >= 32 && n <= 1_048_576, { error: 'must be a whole number of MiB from 32 to 1048576' })),
    }),
  ),
  /** EXTEND: `confirm` (default): a running vPLC changes only when stopped or confirmed; `immediate`: at once. */
  change_policy: optBlank(formatted((s) => (s === 'confirm' || s === 'immediate' ? s : null), "must be 'confirm' or 'immediate'", REASON.string)),
  /** EXTEND (docs/plc.md "Changes only when the PLC allows"): with runtime credentials, changes apply while the PLC program does not run (default true). */
  plc_aware_changes: opt(bool()),
});
export type CreateNewRuntimeRequest = z.output<typeof CreateNewRuntimeRequest>;

/**
 * The domain spec of a parsed request. A DHCP vNIC carries no static address, so any `ip` given
 * with `network_mode: dhcp` is dropped here (it is kept in the parsed request).
 */
export function toVplcSpec(
  req: Pick<CreateNewRuntimeRequest, 'container_name' | 'vnic_configs' | 'runtime_version'> &
    Partial<Pick<CreateNewRuntimeRequest, 'depends_on' | 'auto_update' | 'quotas' | 'change_policy' | 'plc_aware_changes' | 'serial_configs' | 'dedicated_interface'>>,
): VplcSpec {
  const vnics = req.vnic_configs.map((v): VnicSpec => {
    const spec: VnicSpec = { name: v.name, parentInterface: v.parent_interface, mode: v.network_mode, dns: [...v.dns] };
    if (v.network_mode === 'static' && v.ip !== undefined) {
      spec.ip = v.ip;
      if (v.ip_prefix !== undefined) spec.ipPrefix = v.ip_prefix;
    }
    if (v.subnet !== undefined) spec.subnet = v.subnet;
    if (v.gateway !== undefined) spec.gateway = v.gateway;
    if (v.mac !== undefined) spec.mac = v.mac;
    return spec;
  });
  const out: VplcSpec = { name: req.container_name, vnics, runtimeVersion: req.runtime_version };
  if (req.depends_on !== undefined) out.dependsOn = [...req.depends_on];
  if (req.auto_update !== undefined) out.autoUpdate = req.auto_update;
  if (req.quotas !== undefined) {
    out.quotas = {
      ...(req.quotas.cpus !== undefined ? { cpus: req.quotas.cpus } : {}),
      ...(req.quotas.memory_mb !== undefined ? { memoryMb: req.quotas.memory_mb } : {}),
    };
  }
  if (req.change_policy !== undefined) out.changePolicy = req.change_policy;
  if (req.plc_aware_changes !== undefined) out.plcAwareChanges = req.plc_aware_changes;
  if (req.serial_configs !== undefined && req.serial_configs.length > 0) out.serialPorts = req.serial_configs.map(toSerialPortSpec);
  if (req.dedicated_interface !== undefined) out.dedicatedInterface = req.dedicated_interface;
  return out;
}

/** A serial object as the domain's port spec; `shared` only when true (absent means one device, one vPLC). */
export function toSerialPortSpec(c: SerialConfig): SerialPortSpec {
  return {
    name: c.name,
    deviceId: c.device_id,
    containerPath: c.container_path,
    ...(c.baud_rate !== undefined ? { baudRate: c.baud_rate } : {}),
    ...(c.shared === true ? { shared: true } : {}),
  };
}
