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

/** A helper in the host's namespaces (docs/host-nics.md "Privileges"): what it may touch, step by step. */
export type HostHelperOptions = {
  image: string;
  cmd: string[];
  labels: Record<string, string>;
  /** Only what the step needs (NET_RAW for an ARP probe, NET_ADMIN for links, routes and neighbours). */
  capabilities: readonly string[];
  /** The host's PID namespace: `ip link set … netns <pid>` names a vPLC by its host PID, and `netns 1` is the host. */
  pidHost?: boolean;
  /** Run in this container's network namespace instead of the host's (with `pidHost`: to hand a NIC back to the host). */
  netnsOf?: string;
  /** Unmask /proc so `/proc/sys/net` is writable (sysctls of the host's network namespace); never `Privileged`. */
  writableProcSys?: boolean;
  /** Long-lived helpers (a WiFi DHCP client) stay until removed; one-shot ones are removed by the runner. */
  autoRemove?: boolean;
  /** The helper reads its scripts from stdin (`sh -s`) on an attached stream (docker/script-helper.ts). */
  stdin?: boolean;
};

/**
 * The container spec of a helper that works in the host's network namespace (ARP probes on a parent, dedicated NICs,
 * proxy-ARP bridges): only the capabilities its step needs, a read-only root file system, never restarted
 * (docs/decisions.md "Host-network helpers"). Writing host sysctls needs /proc unmasked (`MaskedPaths`/`ReadonlyPaths`
 * emptied, as `--security-opt systempaths=unconfined`), not `Privileged`, which restricted hosts refuse.
 */
export function hostHelperSpec(o: HostHelperOptions): Docker.ContainerCreateOptions {
  return {
    name: helperName(o.labels, 'host'),
    Image: o.image,
    Cmd: o.cmd,
    ...(o.stdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false } : {}),
    Labels: o.labels,
    HostConfig: {
      NetworkMode: o.netnsOf !== undefined ? `container:${o.netnsOf}` : 'host',
      ...(o.pidHost ? { PidMode: 'host' } : {}),
      CapDrop: ['ALL'],
      CapAdd: [...o.capabilities],
      ReadonlyRootfs: true,
      ...(o.writableProcSys ? { MaskedPaths: [], ReadonlyPaths: [] } : {}),
      ...(o.autoRemove ? { AutoRemove: true } : {}),
      RestartPolicy: { Name: 'no' },
    },
  };
}
