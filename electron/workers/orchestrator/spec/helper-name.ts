import { randomBytes } from 'node:crypto';
import { Label } from '../docker/labels.js';

/** Docker's container name rule; the name is also capped so `docker ps` stays readable. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const MAX = 100;

const part = (s: string): string => s.replace(/[^a-zA-Z0-9_.-]/g, '-');

/**
 * A helper container's name after its vPLC and role, e.g. `plc1-dhcp-lan-3f9a1c` or `plc1-helper-0b12de`, read from
 * its labels (which stay the only thing the agent finds helpers by). The random suffix keeps names unique: a
 * replacement helper is created while the one it replaces may still be removed.
 */
export function helperName(labels: Record<string, string>, where: 'netns' | 'host', suffix: string = randomBytes(3).toString('hex')): string {
  const vplc = labels[Label.vplc];
  const role = labels[Label.role] ?? 'helper';
  const vnic = labels[Label.vnic];
  const words = [vplc ?? 'agent', where === 'host' ? `host-${role}` : role, ...(vnic ? [vnic] : [])].map(part);
  const name = `${words.join('-').slice(0, MAX - suffix.length - 1)}-${suffix}`;
  return DOCKER_NAME.test(name) ? name : `helper-${suffix}`;
}
