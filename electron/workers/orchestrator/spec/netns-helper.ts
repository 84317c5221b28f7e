import type Docker from 'dockerode';
import { helperName } from './helper-name.js';

export type NetnsHelperOptions = {
  image: string;
  /** The container (id or name) whose network namespace the helper joins. */
  target: string;
  cmd: string[];
  labels: Record<string, string>;
  env?: string[];
  /** Writable scratch space; the root file system stays read-only. */
  tmpfs?: Record<string, string>;
  /** Docker removes the helper once it exits. */
  autoRemove?: boolean;
  /** The helper reads its script from stdin (`sh -s`) on an attached stream. */
  stdin?: boolean;
};

/**
 * The one container spec of a helper that works inside a vPLC's network namespace (DHCP client, MAC helper, one-shot
 * scripts): only NET_ADMIN and NET_RAW, a read-only root file system, never restarted. No host root is needed.
 */
export function netnsHelperSpec(o: NetnsHelperOptions): Docker.ContainerCreateOptions {
  return {
    name: helperName(o.labels, 'netns'),
    Image: o.image,
    Cmd: o.cmd,
    ...(o.env ? { Env: o.env } : {}),
    ...(o.stdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false } : {}),
    Labels: o.labels,
    HostConfig: {
      NetworkMode: `container:${o.target}`,
      CapDrop: ['ALL'],
      CapAdd: ['NET_ADMIN', 'NET_RAW'],
      ReadonlyRootfs: true,
      ...(o.tmpfs ? { Tmpfs: o.tmpfs } : {}),
      ...(o.autoRemove ? { AutoRemove: true } : {}),
      RestartPolicy: { Name: 'no' },
    },
  };
}

/**
 * The container spec of a helper that works in the host's network namespace (ARP probes on a parent): only the
 * capabilities its step needs, a read-only root file system, never restarted (docs/decisions.md "Host-network helpers").
 */
export function hostHelperSpec(o: { image: string; cmd: string[]; labels: Record<string, string>; capabilities: readonly string[] }): Docker.ContainerCreateOptions {
  return {
    name: helperName(o.labels, 'host'),
    Image: o.image,
    Cmd: o.cmd,
    Labels: o.labels,
    HostConfig: { NetworkMode: 'host', CapDrop: ['ALL'], CapAdd: [...o.capabilities], ReadonlyRootfs: true, RestartPolicy: { Name: 'no' } },
  };
}
