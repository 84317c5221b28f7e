import type { HostInterfaceView } from '../../../../shared/domain/host';
import type { z } from 'zod';
import { VPLC_NAME_RE, IMAGE_TAG_RE, type VplcSpec } from '../../../../shared/domain/vplc';
import { cidrToString, hostAddress, ipInCidr, isIpv4, isUsableHost, parseCidr } from '../../../../shared/net/ipv4';
import { generateMac, isAssignableMac, normalizeMac } from '../../../../shared/net/mac';
import { checkSerialPorts, type SerialPortDraft } from '../serial/serial-draft';
import { dedicatedRefusal } from '../hostnic/host-nic';

export type HostInterface = HostInterfaceView;

/** The create form as the user types it: strings everywhere, checked by `checkDraft`. */
export type VnicDraft = { parentInterface: string; mode: 'dhcp' | 'static'; ip: string; subnet: string; gateway: string; mac: string; dns: string };
/** `dedicatedInterface`: the host Ethernet port given whole to the vPLC (docs/host-nics.md); empty or absent: none. */
export type Draft = { name: string; runtimeVersion: string; vnics: VnicDraft[]; serialPorts: SerialPortDraft[]; dedicatedInterface?: string };

export const emptyVnic = (): VnicDraft => ({ parentInterface: '', mode: 'dhcp', ip: '', subnet: '', gateway: '', mac: '', dns: '' });
export const emptyDraft = (): Draft => ({ name: '', runtimeVersion: 'latest', vnics: [emptyVnic()], serialPorts: [], dedicatedInterface: '' });

/** Field errors keyed like the API's field paths (`name`, `vnics.0.ip`), so server answers land on the same inputs. */
export type FieldErrors = Record<string, string>;

/** Prefills subnet and gateway from the chosen host interface, without overwriting what the user typed. */
export function withParent(v: VnicDraft, iface: HostInterface | undefined): VnicDraft {
  const next = { ...v, parentInterface: iface?.name ?? '' };
  const addr = iface?.ipv4[0];
  if (addr && !v.subnet) next.subnet = addr.subnet;
  if (iface?.gateway && !v.gateway) next.gateway = iface.gateway;
  return next;
}

/** A free-looking static address to start from: the interface's network + 200 (the user is expected to check it). */
export function suggestIp(v: VnicDraft): string {
  const c = parseCidr(v.subnet);
  if (!c || c.prefix > 24) return '';
  return hostAddress(cidrToString(c), 200);
}

export const randomMac = (): string => generateMac(Math.random);

/** How the interface is offered in the parent list: addresses, state, and why it is marked. */
export function ifaceLabel(x: HostInterface): string {
  const addrs = x.ipv4.map((a) => `${a.address}/${a.prefix}`).join(', ') || 'no IPv4';
  const mark = x.dedicated_to ? ` — dedicated to ${x.dedicated_to}` : x.policy_refusal ? ' — not allowed' : x.is_uplink ? ' — this PC’s uplink' : x.type === 'wifi' ? ' — WiFi, proxy ARP' : '';
  return `${x.name} (${addrs}, ${x.operstate})${mark}`;
}

/** What the form says under the chosen parent (docs/networking.md): the policy's refusal, or what the uplink means. */
export function ifaceNote(x: HostInterface | undefined): { tone: 'error' | 'warn'; text: string } | null {
  if (!x) return null;
  if (x.dedicated_to) return { tone: 'error', text: `${x.name} is dedicated to ${x.dedicated_to}: it lives inside that vPLC while it runs, so no vNIC can sit on it.` };
  if (x.policy_refusal) return { tone: 'error', text: `${x.policy_refusal}.` };
  if (x.is_uplink) {
    return {
      tone: 'warn',
      text: `${x.name} carries this PC’s default route (its uplink, often the office network or the internet side). A vPLC on it is visible to that whole network, and this PC itself cannot reach the vPLC through ${x.name}; prefer a dedicated plant port when there is one.`,
    };
  }
  return null;
}

/**
 * Placeholders from the chosen parent's subnet (the one typed, else the parent's first address): an example host
 * address, the subnet, its gateway; nothing from a fixed 192.168.1.x that may be a different network.
 */
export function placeholders(v: VnicDraft, iface: HostInterface | undefined): { ip: string; subnet: string; gateway: string; dns: string } {
  const typed = parseCidr(v.subnet.trim());
  const subnet = typed ? cidrToString(typed) : (iface?.ipv4[0]?.subnet ?? '');
  const c = parseCidr(subnet);
  const gateway = iface?.gateway && subnet && ipInCidr(iface.gateway, subnet) ? iface.gateway : '';
  if (!c) return { ip: 'choose the host interface first', subnet: 'for example 192.168.1.0/24', gateway: 'none: the vNIC reaches its subnet only', dns: 'optional' };
  return {
    ip: c.prefix <= 30 ? hostAddress(subnet, c.prefix <= 24 ? 50 : 2) : '',
    subnet,
    gateway: gateway || 'none: the vNIC reaches its subnet only',
    dns: gateway ? `${gateway}, 1.1.1.1` : 'optional',
  };
}

const splitList = (s: string): string[] =>
  s
    .split(/[\s,;]+/)
    .map((x) => x.trim())
    .filter(Boolean);

/** Checks the whole form; returns either the errors or the spec to send. */
export function checkDraft(d: Draft, ifaces: HostInterface[], taken: string[]): { errors: FieldErrors; spec?: z.input<typeof VplcSpec> } {
  const errors: FieldErrors = {};
  const name = d.name.trim();
  if (!name) errors['name'] = 'Give the vPLC a name.';
  else if (!VPLC_NAME_RE.test(name)) errors['name'] = "Use 2–63 letters, digits, '_', '.' or '-', starting with a letter or digit.";
  else if (taken.includes(name)) errors['name'] = `A vPLC named ${name} already exists.`;
  const tag = d.runtimeVersion.trim() || 'latest';
  if (!IMAGE_TAG_RE.test(tag)) errors['runtimeVersion'] = 'A runtime version is an image tag such as latest or 4.0.1.';
  const macs = new Set<string>();
  const dedicated = d.dedicatedInterface?.trim() ?? '';
  const vnics = d.vnics.map((v, i) => {
    const at = (f: string): string => `vnics.${i}.${f}`;
    if (!v.parentInterface) errors[at('parentInterface')] = 'Pick the host interface this vNIC sits on.';
    else if (!ifaces.some((x) => x.name === v.parentInterface)) errors[at('parentInterface')] = `${v.parentInterface} is not on this PC any more; pick another interface.`;
    else if (v.parentInterface === dedicated) errors[at('parentInterface')] = `${dedicated} is given whole to this vPLC; a vNIC cannot sit on it.`;
    else {
      const parent = ifaces.find((x) => x.name === v.parentInterface);
      if (parent?.dedicated_to) errors[at('parentInterface')] = `${parent.name} is dedicated to ${parent.dedicated_to}; pick another interface.`;
      else if (parent?.policy_refusal) errors[at('parentInterface')] = `${parent.policy_refusal}; pick another interface.`;
    }
    const subnet = v.subnet.trim();
    const cidr = subnet ? parseCidr(subnet) : null;
    if (subnet && !cidr) errors[at('subnet')] = 'Write the subnet as a CIDR, for example 192.168.1.0/24.';
    const gateway = v.gateway.trim();
    if (gateway && !isIpv4(gateway)) errors[at('gateway')] = 'The gateway must be an IPv4 address.';
    else if (gateway && cidr && !ipInCidr(gateway, cidrToString(cidr))) errors[at('gateway')] = `The gateway ${gateway} is outside ${cidrToString(cidr)}.`;
    const ip = v.ip.trim();
    const wifi = ifaces.find((x) => x.name === v.parentInterface)?.type === 'wifi';
    // A WiFi vNIC is routed through this PC (docs/host-nics.md): its default route must name the gateway.
    if (v.mode === 'static' && wifi && !gateway && !errors[at('gateway')]) errors[at('gateway')] = `A static vNIC on WiFi needs its gateway: ${v.parentInterface} routes its traffic there.`;
    if (v.mode === 'static') {
      if (!ip) errors[at('ip')] = 'A static vNIC needs an IP address.';
      else if (!isIpv4(ip)) errors[at('ip')] = 'Write the address as four numbers, for example 192.168.1.50.';
      else if (!cidr && !subnet) errors[at('subnet')] = 'A static vNIC needs its subnet.';
      else if (cidr && !isUsableHost(ip, cidrToString(cidr))) errors[at('ip')] = `${ip} is not a usable host address in ${cidrToString(cidr)}.`;
      else if (ip === gateway) errors[at('ip')] = 'The address is the gateway’s own.';
    }
    const macRaw = v.mac.trim();
    const mac = macRaw ? normalizeMac(macRaw) : null;
    if (macRaw && (!mac || !isAssignableMac(mac))) errors[at('mac')] = 'Use a unicast MAC such as 02:42:c0:a8:01:32, or leave it empty to generate one.';
    else if (mac && macs.has(mac)) errors[at('mac')] = 'Two vNICs cannot share a MAC address.';
    if (mac) macs.add(mac);
    const dns = splitList(v.dns);
    const badDns = dns.find((x) => !isIpv4(x));
    if (badDns) errors[at('dns')] = `${badDns} is not an IPv4 address.`;
    return {
      name: `vnic${i + 1}`,
      parentInterface: v.parentInterface,
      mode: v.mode,
      ...(v.mode === 'static' && ip ? { ip } : {}),
      ...(cidr ? { subnet: cidrToString(cidr) } : {}),
      ...(gateway ? { gateway } : {}),
      dns,
      ...(mac ? { mac } : {}),
    };
  });
  const serialPorts = checkSerialPorts(d.serialPorts, errors);
  if (dedicated) {
    const x = ifaces.find((i) => i.name === dedicated);
    const why = x ? dedicatedRefusal(x, d.vnics.map((v) => v.parentInterface)) : `${dedicated} is not on this PC any more`;
    if (why) errors['dedicatedInterface'] = `${x ? `${dedicated}: ${why}` : why}; pick another port or none.`;
  }
  if (Object.keys(errors).length) return { errors };
  return { errors, spec: { name, runtimeVersion: tag, vnics, ...(serialPorts.length ? { serialPorts } : {}), ...(dedicated ? { dedicatedInterface: dedicated } : {}) } };
}
