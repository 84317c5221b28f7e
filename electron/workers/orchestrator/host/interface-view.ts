import type { HostInterfaceView } from '../../../../shared/domain/host.js';
import type { ParentPolicy } from '../../../../shared/domain/parent-policy.js';
import type { HostIface } from './interfaces.js';
import { parentRefusal, type LinkFacts } from './parent-policy.js';

/**
 * An interface as the local API lists it (docs/networking.md "The uplink and refused parents"): without the kernel
 * index, marked when it carries a default route of this PC, and with the parent policy's refusal, the same check a
 * create runs, so the form can say why before the user submits.
 */
export function interfaceView(i: HostIface, policy: ParentPolicy, facts: LinkFacts | undefined): HostInterfaceView {
  const { index: _index, ...rest } = i;
  return { ...rest, is_uplink: i.gateway !== null, policy_refusal: parentRefusal(i.name, policy, facts) };
}
