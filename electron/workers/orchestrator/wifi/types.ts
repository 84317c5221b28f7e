import type { ProxyArpConfig } from '../../../../shared/domain/host-nic.js';
import type { NetworkChangeData } from '../../../../shared/netmon/events.js';

/**
 * The seam between the proxy-ARP bridge of WiFi vNICs (static addresses) and their host-side DHCP client
 * (docs/host-nics.md "WiFi vNICs"). Both live in the orchestrator context as `ctx.wifi`.
 */

/** Where a WiFi vNIC's address comes from: the user (static) or a lease taken on the host's WiFi interface. */
export type BridgeAddress = { ip: string; prefix: number; gateway: string };

export type BridgeRequest = {
  vplc: string;
  vnic: string;
  /** The vPLC's current container (its host PID is read at build time). */
  containerId: string;
  /** The host's WiFi interface. */
  parent: string;
} & BridgeAddress;

export interface ProxyArpBridges {
  /**
   * Builds the bridge of one vNIC, or rebuilds it in place when one exists (a renewed lease with a new address): veth
   * pair, the vPLC's side addressed with its default route, /32 route, neighbour proxy, FORWARD rules, sysctls.
   * Records `_proxy_arp_config` in runtime_vnics.json. Rejects with the step that failed after undoing what it did.
   */
  build(req: BridgeRequest): Promise<ProxyArpConfig>;
  /**
   * Removes one vNIC's bridge in the reference's order (neighbour proxy, FORWARD rules, /32 route, veth), only what we
   * created, and reverts the sysctls when it was the last bridge on its parent. Returns what could not be removed.
   */
  teardown(vplc: string, vnic: string): Promise<string[]>;
  /** Every bridge of a vPLC (delete, self-destruct). */
  teardownAll(vplc: string): Promise<string[]>;
  /**
   * Self-destruct, once every bridge is gone: puts back each host sysctl still remembered and removes
   * `wifi_sysctls.json`. Rejects when a sysctl cannot be put back (the file then stays).
   */
  revertAll(): Promise<void>;
}

/** A lease of a WiFi vNIC, taken by the host-side client with client-id `"<container>:<vnic>"`. */
export type WifiLease = { vplc: string; vnic: string; ip: string; prefix: number; gateway: string | null; dns: string[]; leaseSeconds: number | null };

export interface WifiDhcp {
  /** Starts (or replaces) the host-side client of each DHCP WiFi vNIC of the vPLC (`only`: just these); one warning per vNIC not served. */
  provision(vplc: string, containerId: string, only?: string[]): Promise<string[]>;
  /** Stops the vPLC's clients and removes their lease files (delete); `vnic`: just that one. */
  stop(vplc: string, vnic?: string): Promise<void>;
  /** Follows again the clients left running while no agent ran. */
  adoptRunning(): Promise<void>;
  /** A `network_change` of a WiFi parent: leases again the vNICs whose bridge no longer fits its subnet. Never rejects. */
  networkChanged(data: NetworkChangeData): Promise<void>;
  /** Agent shutdown: stop following; clients keep running so leases keep renewing. */
  close(): void;
}
