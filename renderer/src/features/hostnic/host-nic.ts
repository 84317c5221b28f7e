import type { DedicatedNicState, VnicMethod, VnicModeView } from '../../../../shared/domain/host-nic';
import type { HostInterfaceView } from '../../../../shared/domain/host';

type Tone = 'ok' | 'warn' | 'bad' | 'idle' | 'busy';

/** One host interface as the "Give this Ethernet port to the vPLC" select offers it: why it cannot be picked, if so. */
export type DedicatedChoice = { name: string; label: string; disabledWhy: string | null };

/**
 * Why `x` cannot be given whole to the vPLC being created (docs/host-nics.md): a WiFi NIC, one already dedicated, this
 * PC's uplink, a parent of one of the form's own vNICs, or one the parent policy refuses. The agent checks the same.
 */
export function dedicatedRefusal(x: HostInterfaceView, vnicParents: readonly string[]): string | null {
  if (x.type !== 'ethernet') return 'WiFi: only a wired Ethernet port can be given to a vPLC';
  if (x.dedicated_to) return `already dedicated to ${x.dedicated_to}`;
  if (x.is_uplink) return 'this PC’s uplink (it carries the default route)';
  if (vnicParents.includes(x.name)) return 'a vNIC of this form sits on it';
  if (x.policy_refusal) return x.policy_refusal;
  return null;
}

/** Every host interface for the dedicated-NIC select, the unusable ones with their reason. */
export function dedicatedChoices(ifaces: readonly HostInterfaceView[], vnicParents: readonly string[]): DedicatedChoice[] {
  return ifaces.map((x) => {
    const why = dedicatedRefusal(x, vnicParents);
    return { name: x.name, label: why ? `${x.name} — ${why}` : `${x.name} (${x.operstate}${x.mac ? `, ${x.mac}` : ''})`, disabledWhy: why };
  });
}

/**
 * What the vNIC form says under a WiFi parent (docs/host-nics.md): why it is routed with proxy ARP rather than MACVLAN,
 * and that a static address then needs its gateway.
 */
export function wifiParentNote(x: HostInterfaceView | undefined): string | null {
  if (x?.type !== 'wifi') return null;
  return `${x.name} is WiFi: access points drop frames from MAC addresses they do not know, so this vNIC is not MACVLAN. It is routed through this PC instead, which answers ARP for the vNIC’s address on ${x.name} (proxy ARP). A static address needs its IP and gateway, both in ${x.name}’s subnet.`;
}

export const METHOD_WORD: Record<VnicMethod, string> = { macvlan: 'MACVLAN', proxy_arp: 'WiFi proxy ARP' };

/** A vNIC mode row as the detail page lists it. */
export const modeLine = (m: VnicModeView): { method: string; reason: string } => ({ method: METHOD_WORD[m.method], reason: m.reason });

/**
 * Where a dedicated NIC is, in plain words. `on_host` while the vPLC runs means the move has not happened yet (it
 * comes after each start); while it is stopped, the NIC is simply back on the host.
 */
export function dedicatedWord(s: DedicatedNicState, running: boolean): { text: string; tone: Tone } {
  switch (s.state) {
    case 'in_container':
      return { text: 'inside the vPLC', tone: 'ok' };
    case 'on_host':
      return running ? { text: 'on the host (waiting to move into the vPLC)', tone: 'warn' } : { text: 'back on the host (vPLC stopped)', tone: 'idle' };
    case 'moving':
      return { text: 'moving into the vPLC…', tone: 'busy' };
    case 'returning':
      return { text: 'returning to the host…', tone: 'busy' };
    case 'missing':
      return { text: `missing: neither on the host nor in the vPLC${s.detail ? ` (${s.detail})` : ''}`, tone: 'bad' };
    case 'error':
      return { text: `error: ${s.detail ?? 'the move failed'}`, tone: 'bad' };
  }
}

/** The list's short marker: "NIC enp4s0: inside". */
export function dedicatedMarker(s: DedicatedNicState, running: boolean): { text: string; tone: Tone; title: string } {
  const short: Record<DedicatedNicState['state'], string> = { in_container: 'inside', on_host: 'on host', moving: 'moving…', returning: 'returning…', missing: 'missing', error: 'error' };
  const w = dedicatedWord(s, running);
  return { text: `NIC ${s.host_interface}: ${short[s.state]}`, tone: w.tone, title: `Dedicated NIC ${s.host_interface}: ${w.text}` };
}
