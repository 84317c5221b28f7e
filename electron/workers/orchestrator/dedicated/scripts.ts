import type { HostStep } from '../hostnet/host-steps.js';

/** Interface names as the kernel takes them (IFNAMSIZ 15), and nothing a shell would read as more than a word. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;

function nicArg(nic: string): string {
  if (!IFNAME.test(nic) || nic === '.' || nic === '..') throw new Error(`invalid interface name: ${JSON.stringify(nic)}`);
  return nic;
}

function pidArg(pid: number): string {
  if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`invalid container PID: ${String(pid)}`);
  return String(pid);
}

/** What a step prints last when the NIC is (now) inside and up, or absent. */
export const INSIDE_UP = 'dedicated-nic: inside up';
export const ABSENT = 'dedicated-nic: absent';

type Step = Omit<HostStep, 'vplc'>;

/**
 * Host network + host PID + NET_ADMIN: link down, then into the network namespace of the process `pid` (the vPLC's
 * init, docs/host-nics.md "Privileges"). The name is kept.
 */
export function moveStep(nic: string, pid: number): Step {
  const n = nicArg(nic);
  return {
    what: `move ${n} into PID ${pidArg(pid)}'s network namespace`,
    script: `set -e\nip link set dev ${n} down\nip link set dev ${n} netns ${pidArg(pid)}\n`,
    capabilities: ['NET_ADMIN'],
    pidHost: true,
  };
}

/** In the vPLC's network namespace + NET_ADMIN: bring the NIC up when it is there; says which. */
export function upInsideStep(nic: string, containerId: string): Step {
  const n = nicArg(nic);
  return {
    what: `bring ${n} up inside the vPLC`,
    script: `if ip link show dev ${n} >/dev/null 2>&1; then ip link set dev ${n} up && echo '${INSIDE_UP}'; else echo '${ABSENT}'; fi\n`,
    capabilities: ['NET_ADMIN'],
    netnsOf: containerId,
  };
}

/** In the vPLC's network namespace + host PID + NET_ADMIN: link down (best effort), then to PID 1's namespace, the host's. */
export function returnStep(nic: string, containerId: string): Step {
  const n = nicArg(nic);
  return {
    what: `hand ${n} back to the host`,
    script: `ip link show dev ${n} >/dev/null 2>&1 || { echo '${ABSENT}'; exit 0; }\nip link set dev ${n} down || true\nip link set dev ${n} netns 1\n`,
    capabilities: ['NET_ADMIN'],
    pidHost: true,
    netnsOf: containerId,
  };
}

/** Host network + NET_ADMIN: bring a NIC back on the host up. */
export function upOnHostStep(nic: string): Step {
  const n = nicArg(nic);
  return { what: `bring ${n} up on the host`, script: `ip link set dev ${n} up\n`, capabilities: ['NET_ADMIN'] };
}
