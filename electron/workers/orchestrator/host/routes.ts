import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { z } from 'zod';
import { cidrToString, parseCidr } from '../../../../shared/net/ipv4.js';

const run = promisify(execFile);

const LEAF = /^\s*\|-- (\d{1,3}(?:\.\d{1,3}){3})\s*$/;
const PREFIX = /^\s*\/(\d{1,2}) /;

/**
 * The IPv4 destinations of every routing table from the kernel's FIB dump (`/proc/net/fib_trie`): each leaf
 * (`|-- a.b.c.d`) is followed by one line per prefix length (`/24 link UNICAST`); `+--` lines are trie nodes, not
 * routes. Default routes (/0) are left out, as `ip route show table all` callers skip `default`. Null when the text
 * does not look like a FIB dump (the caller falls back to iproute2).
 */
export function parseFibTrie(text: string): string[] | null {
  const out = new Set<string>();
  let leaf: string | null = null;
  let tables = 0;
  for (const line of text.split('\n')) {
    if (/^\S.*:\s*$/.test(line)) {
      tables++;
      leaf = null;
      continue;
    }
    const l = LEAF.exec(line);
    if (l) {
      leaf = l[1] as string;
      continue;
    }
    if (line.includes('+--')) {
      leaf = null;
      continue;
    }
    const p = PREFIX.exec(line);
    if (!p || leaf === null) continue;
    const prefix = Number(p[1]);
    if (prefix === 0) continue;
    const c = parseCidr(`${leaf}/${prefix}`);
    if (c) out.add(cidrToString(c));
  }
  return tables > 0 ? [...out] : null;
}

async function viaIproute(netns: string | undefined): Promise<string[]> {
  const { stdout } = await run('ip', [...(netns === undefined ? [] : ['-n', netns]), '-json', 'route', 'show', 'table', 'all']);
  const routes = z.array(z.object({ dst: z.string() }).passthrough()).parse(JSON.parse(stdout));
  const out: string[] = [];
  for (const r of routes) {
    if (r.dst === 'default') continue;
    const c = parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`);
    if (c) out.push(cidrToString(c));
  }
  return out;
}

/** Reads of the FIB dump before giving up on getting two identical ones in a row. */
const READS = 3;

/**
 * The FIB dump as one consistent text, or null when routes kept changing. The kernel serves the dump in pieces of
 * about 4 KiB and finds where to resume by counting lines, so a route added or deleted between two pieces makes later,
 * stable routes repeat or vanish from that read. Two identical reads in a row saw no change in between.
 */
function readSettled(fibTrie: string): string | null {
  let prev = readFileSync(fibTrie, 'utf8');
  for (let i = 1; i < READS; i++) {
    const next = readFileSync(fibTrie, 'utf8');
    if (next === prev) return next;
    prev = next;
  }
  return null;
}

/**
 * Host IPv4 subnets and routes, which the internal pool must never overlap. Read from the kernel at each call (no
 * cache that could miss a netlink change), in-process: spawning `ip` cost 12 ms on an empty host and 50 ms with 200
 * vPLCs (each adds a bridge route and its local/broadcast entries), once per create. While routes change faster than
 * the dump can be read twice, iproute2 answers instead (its netlink dump detects interruption).
 * `netns` names the namespace `fibTrie` belongs to, for that fallback (tests; default: our own).
 */
export async function hostSubnets(fibTrie = '/proc/net/fib_trie', netns?: string): Promise<string[]> {
  // Synchronous: a procfs read takes microseconds, a trip through libuv's threadpool can take milliseconds under load.
  let text: string | null;
  try {
    text = readSettled(fibTrie);
  } catch {
    return viaIproute(netns);
  }
  if (text === null) return viaIproute(netns);
  // The kernel's text is read at every call; only its parse is reused while the text is the same (no routes changed).
  if (last?.file === fibTrie && last.text === text) return [...last.subnets];
  const parsed = text.trim() === '' ? [] : parseFibTrie(text);
  if (parsed === null) return viaIproute(netns);
  last = { file: fibTrie, text, subnets: parsed };
  return [...parsed];
}

let last: { file: string; text: string; subnets: string[] } | undefined;
