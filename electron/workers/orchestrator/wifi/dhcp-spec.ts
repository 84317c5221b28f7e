import type Docker from 'dockerode';
import { IFNAME_RE } from '../../../../shared/domain/vplc.js';
import { HELPER_TMPFS, PRINT_ONLY_LEASE_SCRIPT } from '../dhcp/script.js';
import { hostHelperSpec } from '../spec/netns-helper.js';

/**
 * The client's command (`sh -c`): the lease script goes to the tmpfs (the root file system is read-only), then udhcpc
 * runs in the foreground on the host's WiFi interface with the vNIC's client-id. No `-R`: a release is sent from the
 * leased address, which the host does not own, so it never leaves (docs/host-nics.md "WiFi DHCP").
 */
export const WIFI_DHCP_ENTRY = String.raw`set -u
umask 077
printf '%s' "$VPLC_LEASE_SCRIPT" > /tmp/lease.sh
chmod 700 /tmp/lease.sh
exec udhcpc -f -i "$VPLC_PARENT" -s /tmp/lease.sh -t 5 -T 3 -x "0x3d:$VPLC_CLIENT_ID"
`;

/**
 * NET_RAW for the packet socket of discover/request/rebind; NET_BIND_SERVICE for the UDP socket on port 68 that
 * udhcpc opens when it renews (without it the client dies at the first renewal). Nothing else: it never changes a link.
 */
export const WIFI_DHCP_CAPS = ['NET_RAW', 'NET_BIND_SERVICE'] as const;

export type WifiDhcpSpecOptions = { image: string; parent: string; clientIdHex: string; labels: Record<string, string> };

/** The long-lived host-side DHCP client of one WiFi vNIC: host network, read-only root, never restarted by Docker. */
export function wifiDhcpClientSpec(o: WifiDhcpSpecOptions): Docker.ContainerCreateOptions {
  if (!IFNAME_RE.test(o.parent)) throw new Error(`invalid WiFi interface name '${o.parent}'`);
  if (!/^(?:[0-9a-f]{2})+$/.test(o.clientIdHex)) throw new Error('invalid DHCP client-id');
  const spec = hostHelperSpec({ image: o.image, cmd: ['sh', '-c', WIFI_DHCP_ENTRY], labels: o.labels, capabilities: WIFI_DHCP_CAPS });
  return {
    ...spec,
    Env: [`VPLC_PARENT=${o.parent}`, `VPLC_CLIENT_ID=${o.clientIdHex}`, `VPLC_LEASE_SCRIPT=${PRINT_ONLY_LEASE_SCRIPT}`],
    HostConfig: { ...spec.HostConfig, Tmpfs: HELPER_TMPFS },
  };
}

/**
 * Whether a client left by a previous agent runs as this agent would start it for `parent` and `clientIdHex`: same
 * entry and lease scripts, same interface and client-id, and (when known) the current helper image.
 */
export function clientIsCurrent(info: Docker.ContainerInspectInfo, o: { imageId: string | null; parent: string; clientIdHex: string }): boolean {
  const env = info.Config.Env ?? [];
  return (
    info.Config.Cmd?.[2] === WIFI_DHCP_ENTRY &&
    env.includes(`VPLC_PARENT=${o.parent}`) &&
    env.includes(`VPLC_CLIENT_ID=${o.clientIdHex}`) &&
    env.includes(`VPLC_LEASE_SCRIPT=${PRINT_ONLY_LEASE_SCRIPT}`) &&
    (o.imageId === null || info.Image === o.imageId)
  );
}
