import { isIPv4 } from 'node:net';
import type { HelperResult } from '../docker/engine.js';

/**
 * ARP duplicate address detection before a static vNIC joins the LAN, in the style of RFC 5227: one probe with
 * sender address 0.0.0.0 from the parent interface; any answer within the window means another device holds the
 * address (docs/decisions.md "ARP probe"). And the gratuitous ARP a vNIC sends once it has joined or moved.
 */
export type ProbeOutcome = { kind: 'free' } | { kind: 'conflict'; ip: string; mac: string } | { kind: 'error'; reason: string };

/** What runs the helper: host network, NET_RAW only (the parent's packets) or inside the vPLC's namespace. */
export type HelperRun = (script: string) => Promise<HelperResult>;

const IFACE = /^[a-zA-Z0-9_.:-]{1,15}$/;

function checkArgs(iface: string, ip: string): void {
  if (!IFACE.test(iface)) throw new Error(`not an interface name: ${JSON.stringify(iface)}`);
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
}

/**
 * busybox arping waits in whole seconds; the window is cut by a timer: one probe goes out at once and a holder of the
 * address answers within milliseconds. `arping -D` exits 1 on the first reply (printing it), and is killed (143)
 * when the window ends quietly.
 */
export function probeScript(iface: string, ip: string, windowMs: number): string {
  checkArgs(iface, ip);
  const secs = (Math.max(1, Math.round(windowMs)) / 1000).toFixed(3);
  return [
    `arping -D -I ${iface} -c 1 -w 2 ${ip} & p=$!`,
    `(sleep ${secs}; kill $p 2>/dev/null) &`,
    'wait $p; echo "arping-exit=$?"',
  ].join('\n');
}

const REPLY = /reply from (\d{1,3}(?:\.\d{1,3}){3}) \[([0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5})\]/;

export function parseProbe(ip: string, r: HelperResult): ProbeOutcome {
  const reply = REPLY.exec(r.stdout);
  if (reply && reply[1] === ip && reply[2]) return { kind: 'conflict', ip, mac: reply[2].toLowerCase() };
  const exit = /arping-exit=(\d+)/.exec(r.stdout)?.[1];
  // Killed at the end of the window (143), or finished with no reply (0): nobody holds the address.
  if (r.exitCode === 0 && (exit === '143' || exit === '0')) return { kind: 'free' };
  const detail = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => !/^(ARPING|arping-exit)/.test(l)).join('; ');
  return { kind: 'error', reason: `ARP probe for ${ip} failed${detail ? `: ${detail}` : ` (exit ${exit ?? r.exitCode})`}` };
}

export async function probeAddress(run: HelperRun, iface: string, ip: string, windowMs: number): Promise<ProbeOutcome> {
  if (windowMs <= 0) return { kind: 'free' };
  try {
    return parseProbe(ip, await run(probeScript(iface, ip, windowMs)));
  } catch (err) {
    return { kind: 'error', reason: `ARP probe for ${ip} could not run: ${(err as Error).message}` };
  }
}

/** Unsolicited ARP from the vNIC itself, so switches and peers learn where the address lives now. */
export function announceScript(iface: string, ip: string): string {
  checkArgs(iface, ip);
  return `arping -U -c 1 -w 1 -I ${iface} -s ${ip} ${ip} >/dev/null 2>&1; echo "arping-exit=$?"`;
}

/**
 * Unsolicited ARP for each address from inside a vPLC's namespace: the interface is the one that holds the address.
 * Prints `announced <ip>` per address sent.
 */
export function announceAddressesScript(ips: readonly string[]): string {
  for (const ip of ips) checkArgs('eth0', ip);
  return ips
    .map((ip) => `i=$(ip -o -4 addr show | awk '$4 ~ /^${ip.replace(/\./g, '\\.')}\\// {print $2; exit}'); [ -n "$i" ] && arping -U -c 1 -w 1 -I "$i" -s ${ip} ${ip} >/dev/null 2>&1 && echo "announced ${ip}"`)
    .join('\n');
}

/** A conflict in the words the user sees: the address, who holds it, and what to do. */
export function conflictMessage(c: { ip: string; mac: string }, parent: string): string {
  return `IP ${c.ip} is already in use on ${parent} by the device with MAC ${c.mac}; choose a free address or free that one`;
}
