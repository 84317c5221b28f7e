import { z } from 'zod';
import { isIpv4 } from '../net/ipv4.js';
import { isAssignableMac, normalizeMac } from '../net/mac.js';
import { SerialPortSpec } from './serial.js';

/**
 * Domain types of a vPLC as the orchestrator core sees it: already validated and normalised
 * (aliases merged, `manual` → `static`, MACs lower-case with colons, IPs without prefix).
 * The cloud wire contract (shared/cloud/create-new-runtime.ts) and the local API both produce these.
 */

export const RESERVED_DEVICE_ID = '__orchestrator__';

export const VPLC_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{1,62}$/;
export const IFNAME_RE = /^[A-Za-z0-9_.-]{1,15}$/;
export const IMAGE_TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export const VplcName = z
  .string()
  .regex(VPLC_NAME_RE, "Value must be a valid container name (2-63 chars of letters, digits, '_', '.', '-', starting with a letter or digit).")
  .refine((n) => n !== RESERVED_DEVICE_ID, { message: `${RESERVED_DEVICE_ID} is reserved` });
export type VplcName = z.infer<typeof VplcName>;

export const NetworkMode = z.enum(['dhcp', 'static']);
export type NetworkMode = z.infer<typeof NetworkMode>;

const Ipv4 = z.string().refine(isIpv4, { message: 'Value must be an IPv4 address.' });

export const VnicSpec = z.object({
  /** The vNIC label, unique within its vPLC. */
  name: z.string().min(1),
  parentInterface: z.string().regex(IFNAME_RE),
  mode: NetworkMode,
  /** Static address without prefix. */
  ip: Ipv4.optional(),
  /** The `/prefix` that came with `ip`, if any (subnet rule 4 of docs/protocol.md §5.4). */
  ipPrefix: z.number().int().min(0).max(32).optional(),
  /** CIDR or dotted netmask, as given. */
  subnet: z.string().optional(),
  gateway: Ipv4.optional(),
  dns: z.array(Ipv4).default([]),
  /** The user's MAC, normalised; absent means "generate one". */
  mac: z
    .string()
    .refine((m) => normalizeMac(m) === m && isAssignableMac(m), { message: 'Value must be a unicast MAC address (aa:bb:cc:dd:ee:ff).' })
    .optional(),
});
export type VnicSpec = z.infer<typeof VnicSpec>;

export const VplcSpec = z
  .object({
    name: VplcName,
    vnics: z.array(VnicSpec),
    /** Image tag; `latest` when the request gave none. */
    runtimeVersion: z.string().regex(IMAGE_TAG_RE).default('latest'),
    /** EXTEND (operations): vPLCs that must be healthy before this one starts, at boot and during updates. */
    dependsOn: z.array(VplcName).max(32).optional(),
    /** EXTEND: follow the registry digest of the runtime tag; a new digest is applied only inside the change window. */
    autoUpdate: z.boolean().optional(),
    /** EXTEND: container limits applied by Docker; absent means unlimited. */
    quotas: z
      .object({
        /** Share of CPUs, e.g. 0.5 or 2. */
        cpus: z.number().positive().max(1024).optional(),
        memoryMb: z.number().int().min(32).max(1_048_576).optional(),
      })
      .strict()
      .optional(),
    /**
     * EXTEND: when reconcile and updates may change this vPLC while it runs: `confirm` (default) only when it is stopped
     * or after an explicit confirm from the cloud or the UI; `immediate` at once.
     */
    changePolicy: z.enum(['confirm', 'immediate']).optional(),
    /** With runtime credentials, a pending change applies by itself while the PLC program is not running (default true). */
    plcAwareChanges: z.boolean().optional(),
    /** Host serial devices passed into the container (docs/serial.md); absent or empty means none. */
    serialPorts: z.array(SerialPortSpec).optional(),
    /** A host Ethernet NIC moved whole into the vPLC's network namespace, its name kept (docs/host-nics.md). */
    dedicatedInterface: z.string().regex(IFNAME_RE).optional(),
  })
  .superRefine((spec, ctx) => {
    spec.dependsOn?.forEach((d, i) => {
      if (d === spec.name) ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: 'a vPLC cannot depend on itself' });
    });
    const seen = new Set<string>();
    spec.vnics.forEach((v, i) => {
      if (v.mode === 'static' && !v.ip) ctx.addIssue({ code: 'custom', path: ['vnics', i, 'ip'], message: 'a static vNIC needs an IP address' });
      if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: ['vnics', i, 'name'], message: `vNIC name '${v.name}' is used twice` });
      seen.add(v.name);
    });
    if (spec.dedicatedInterface !== undefined) {
      const i = spec.vnics.findIndex((v) => v.parentInterface === spec.dedicatedInterface);
      if (i >= 0) ctx.addIssue({ code: 'custom', path: ['dedicatedInterface'], message: `${spec.dedicatedInterface} is the parent of vNIC '${spec.vnics[i]?.name ?? ''}'; a dedicated NIC cannot also carry vNICs` });
    }
    const portNames = new Set<string>();
    const paths = new Set<string>();
    spec.serialPorts?.forEach((p, i) => {
      if (portNames.has(p.name)) ctx.addIssue({ code: 'custom', path: ['serialPorts', i, 'name'], message: `serial port name '${p.name}' is used twice` });
      if (paths.has(p.containerPath)) ctx.addIssue({ code: 'custom', path: ['serialPorts', i, 'containerPath'], message: `container path ${p.containerPath} is used by two serial ports` });
      portNames.add(p.name);
      paths.add(p.containerPath);
    });
  });
export type VplcSpec = z.infer<typeof VplcSpec>;

export const DesiredState = z.enum(['running', 'stopped']);
export type DesiredState = z.infer<typeof DesiredState>;

/** Who asked for a change; recorded with every operation. */
export const Requester = z.enum(['cloud', 'ui', 'cli', 'agent']);
export type Requester = z.infer<typeof Requester>;
