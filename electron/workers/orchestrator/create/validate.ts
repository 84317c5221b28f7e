import type { VnicSpec, VplcSpec } from '../../../../shared/domain/vplc.js';
import { ipInCidr, isUsableHost, parseCidr, resolveSubnet } from '../../../../shared/net/ipv4.js';
import { generateMac } from '../../../../shared/net/mac.js';
import { OperationError } from '../docker/errors.js';
import type { HostIface } from '../host/interfaces.js';
import type { ParentPolicy } from '../../../../shared/domain/parent-policy.js';
import { fixedRefusal, parentRefusal, zoneRefusal, type LinkFacts } from '../host/parent-policy.js';
import { lanNetworkName } from '../net/networks.js';
import { wifiAddressRefusal } from '../wifi/validate.js';

export type ResolvedVnic = VnicSpec & {
  /** Normalised CIDR, or null when neither the request nor the interface cache gives one yet. */
  resolvedSubnet: string | null;
  resolvedGateway: string | undefined;
  /** The MAC we ask for: the user's, else a generated one. */
  requestedMac: string;
  collisionKey: string;
  /** The parent is WiFi: the vNIC is bridged with proxy ARP and gets no Docker network. */
  wifi: boolean;
};

export type ValidationInput = {
  spec: VplcSpec;
  interfaces: HostIface[];
  /** MACs already on each parent (Docker's records plus our persisted requested MACs). */
  macsOnParent: (parent: string) => Promise<Set<string>>;
  random?: () => number;
};

const SKIP_PREFIXES = ['lo', 'docker', 'br-', 'veth', 'virbr', 'tailscale', 'zt', 'cni', 'flannel', 'kube-ipvs', 'wg', 'cilium', 'macvtap', 'sit', 'can'];

/** Python-style list repr, as the reference prints "Available interfaces: ['eth0', 'wlan0']". */
export const pyList = (names: string[]): string => `[${names.map((n) => `'${n}'`).join(', ')}]`;

export function visibleInterfaces(ifaces: HostIface[]): string[] {
  return ifaces
    .map((i) => i.name)
    .filter((n) => !SKIP_PREFIXES.some((p) => n.toLowerCase().startsWith(p)))
    .sort();
}

/** Subnet and gateway for a vNIC: request rules 1-4 of docs/protocol.md §5.4, then the parent's first IPv4 address. */
export function resolveVnicSubnet(v: VnicSpec, iface: HostIface | undefined): { subnet: string | null; gateway: string | undefined } {
  const fromRequest = resolveSubnet({ subnet: v.subnet, gateway: v.gateway, ip: v.ip, ipPrefix: v.ipPrefix });
  const cached = iface?.ipv4[0]?.subnet || null;
  const subnet = fromRequest ?? cached;
  let gateway = v.gateway;
  if (!gateway && subnet && iface?.gateway && ipInCidr(iface.gateway, subnet)) gateway = iface.gateway;
  return { subnet, gateway };
}

/** `validating_config` (docs/protocol.md §5.7 step 1): everything that can be refused before any Docker resource exists. */
export async function validateConfig(input: ValidationInput): Promise<ResolvedVnic[]> {
  const byName = new Map(input.interfaces.map((i) => [i.name, i]));
  const random = input.random ?? Math.random;
  const out: ResolvedVnic[] = [];
  const keyOwner = new Map<string, string>();
  const parentOwner = new Map<string, string>();
  const chosenMacs = new Set<string>();

  for (const [idx, v] of input.spec.vnics.entries()) {
    const label = v.name || `unnamed_vnic_${idx}`;
    const iface = byName.get(v.parentInterface);
    if (!iface) {
      throw new OperationError(
        `Interface '${v.parentInterface}' not found on host. Available interfaces: ${pyList(visibleInterfaces(input.interfaces))}`,
        'validating_config',
      );
    }
    const { subnet, gateway } = resolveVnicSubnet(v, iface);
    const wifi = iface.type === 'wifi';
    const key = wifi ? `wifi_${v.parentInterface}_${label}` : subnet ? lanNetworkName(v.parentInterface, subnet) : `macvlan_${v.parentInterface}_unknown`;
    // One MACVLAN network per parent, so two vNICs on one parent collide even when their subnets differ.
    // WiFi vNICs share no Docker network: a second one on a parent is only a warning (docs/protocol.md §5.7).
    const clash = wifi ? undefined : (keyOwner.get(key) ?? parentOwner.get(v.parentInterface));
    if (clash !== undefined) {
      throw new OperationError(
        `Invalid vNIC configuration: vNICs '${clash}' and '${label}' would connect to the same MACVLAN network (${key}). ` +
          'Docker only allows one endpoint per container per network. Put each vNIC of a vPLC on a different parent interface.',
        'validating_config',
      );
    }
    keyOwner.set(key, label);
    if (!wifi) parentOwner.set(v.parentInterface, label);

    if (v.mode === 'static' && v.ip && subnet && !ipInCidr(v.ip, subnet)) {
      throw new OperationError(`Static IP ${v.ip} of vNIC '${label}' is outside subnet ${subnet}`, 'validating_config');
    }

    const inUse = await input.macsOnParent(v.parentInterface);
    let mac = v.mac;
    if (mac) {
      if (inUse.has(mac) || chosenMacs.has(mac)) throw new OperationError(`MAC address ${mac} is already in use.`, 'validating_config');
    } else {
      do mac = generateMac(random);
      while (inUse.has(mac) || chosenMacs.has(mac));
    }
    chosenMacs.add(mac);
    out.push({ ...v, resolvedSubnet: subnet, resolvedGateway: gateway, requestedMac: mac, collisionKey: key, wifi });
  }
  return out;
}

/**
 * Why a static address may not be used on its parent: the host's own address there, the gateway, or the network or
 * broadcast address of the subnet. Null when it may (or when the vNIC has no static address).
 */
export function addressRefusal(v: VnicSpec, iface: HostIface | undefined): string | null {
  if (v.mode !== 'static' || !v.ip) return null;
  const { subnet, gateway } = resolveVnicSubnet(v, iface);
  if (iface?.ipv4.some((a) => a.address === v.ip)) return `${v.ip} is this host's own address on ${v.parentInterface}`;
  if (gateway === v.ip || iface?.gateway === v.ip) return `${v.ip} is the gateway of ${v.parentInterface}`;
  if (subnet && ipInCidr(v.ip, subnet) && !isUsableHost(v.ip, subnet)) {
    const c = parseCidr(subnet);
    const kind = c && parseCidr(`${v.ip}/32`)?.network === c.network ? 'network' : 'broadcast';
    return `${v.ip} is the ${kind} address of ${subnet}`;
  }
  return null;
}

/**
 * The local policy checks of a new vPLC (parents, zones, addresses), before anything is recorded. The first refusal
 * names its field, e.g. `vnics[0].parent_interface: lo can never be a vNIC parent (it matches lo)`.
 */
export function policyRefusal(spec: VplcSpec, interfaces: HostIface[], policy: ParentPolicy, facts: Map<string, LinkFacts>): string | null {
  const byName = new Map(interfaces.map((i) => [i.name, i]));
  for (const [i, v] of spec.vnics.entries()) {
    // A parent missing from the host is reported by validating_config with the list of interfaces there are.
    const refused = byName.has(v.parentInterface) ? parentRefusal(v.parentInterface, policy, facts.get(v.parentInterface)) : fixedRefusal(v.parentInterface);
    if (refused) return `vnics[${i}].parent_interface: ${refused}`;
  }
  const zones = zoneRefusal(spec.vnics.map((v) => v.parentInterface), policy);
  if (zones) return `vnics[${zones.index}].parent_interface: ${zones.text}`;
  for (const [i, v] of spec.vnics.entries()) {
    const refused = addressRefusal(v, byName.get(v.parentInterface));
    if (refused) return `vnics[${i}].ip: ${refused}`;
    const wifi = wifiAddressRefusal(v, i, byName.get(v.parentInterface));
    if (wifi) return wifi;
  }
  return null;
}
