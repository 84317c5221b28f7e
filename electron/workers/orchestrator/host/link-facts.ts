import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { FIXED_REFUSALS, matchesPattern } from '../../../../shared/domain/parent-policy.js';

const run = promisify(execFile);

const IpLinkDetails = z.array(z.object({ ifindex: z.number().int(), ifname: z.string(), linkinfo: z.object({ info_kind: z.string().optional() }).loose().optional() }).loose());

type IpLinkDetails = z.infer<typeof IpLinkDetails>;

/** Above this many links of unknown kind, one `ip -details` of every link is cheaper than one call per link. */
const PER_LINK_MAX = 4;

/**
 * What the parent policy needs to know of one host link. Names on the fixed refusal list get placeholder facts (all
 * false, no kind) without any lookup: callers must refuse them by name before looking at facts.
 */
export type LinkFacts = {
  /** Backed by a device, ARP type Ethernet (1), not wireless. */
  physical: boolean;
  /** Backed by a device and wireless (`wireless` or `phy80211` in sysfs): a physical WiFi NIC. */
  wifi?: boolean;
  /** The kernel link kind (`veth`, `macvlan`, `bridge`, …); undefined for a plain device. */
  kind: string | undefined;
};

/** On the fixed refusal list (shared/domain/parent-policy.ts): refused by name, whatever the link is. */
const fixedRefused = (name: string): boolean => FIXED_REFUSALS.some((p) => matchesPattern(name, p));

const NO_FACTS: LinkFacts = Object.freeze({ physical: false, wifi: false, kind: undefined });

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Reads that may find a link changed under them before the host counts as churning too fast to answer. */
const ATTEMPTS = 3;

/** `ip` about one link that no longer exists: the only failure that means "gone" rather than "could not ask". */
const GONE = /Device "[^"]*" does not exist|Cannot find device/;

const stderrOf = (err: unknown): string => (typeof err === 'object' && err !== null && 'stderr' in err ? String(err.stderr) : '');

/**
 * Link facts of the host's interfaces for the parent policy (docs/parent-policy.md), cheap at any number of vPLCs:
 * - names on the fixed refusal list (every vPLC adds a `br-…` bridge and a `veth…` on the host) are refused by name
 *   before any fact is looked at, so they get placeholder facts without reading anything;
 * - a link's kind never changes while the link lives, so kinds are kept per link lifetime and only links not seen
 *   before are asked of iproute2; everything else (sysfs) is read at each call.
 * A link's lifetime is (name, ifindex, inode of /sys/class/net/<name>): `ip link add … index N` or a move between
 * namespaces re-creates a name with the same ifindex, but sysfs (kernfs) gives the new link a new inode.
 * With 400 host links this took one `ip -details` of all of them plus four sysfs reads per link (about 80 ms) per create.
 *
 * INVARIANTS
 * - A kind is served only for the link lifetime it was learnt for; entries of links gone are dropped.
 * - Failing to ask (no `ip`, EMFILE, a non-zero exit other than "does not exist", unparsable output) is an error,
 *   never "no kind": a MACVLAN child must not pass an allow-list because its kind could not be read.
 */
export class LinkFactsReader {
  private readonly kinds = new Map<string, string | undefined>();

  constructor(
    private readonly sysNet = '/sys/class/net',
    private readonly details: (dev?: string) => Promise<string> = async (dev) => (await run('ip', ['-details', '-json', 'link', 'show', ...(dev ? ['dev', dev] : [])])).stdout,
  ) {}

  async read(): Promise<Map<string, LinkFacts>> {
    for (let attempt = 1; ; attempt++) {
      const facts = await this.readOnce();
      if (facts !== null) return facts;
      if (attempt >= ATTEMPTS) throw new Error(`link facts: host links kept changing during ${ATTEMPTS} reads of ${this.sysNet}`);
    }
  }

  /** The facts, or null when a link asked about changed or vanished meanwhile (read again). */
  private async readOnce(): Promise<Map<string, LinkFacts> | null> {
    const names = readdirSync(this.sysNet);
    const keyed = new Map<string, { index: number; key: string }>();
    for (const name of names) {
      if (fixedRefused(name)) continue;
      const link = this.lifetime(name);
      if (link !== null) keyed.set(name, link);
    }
    const unknown = [...keyed.entries()].filter(([, l]) => !this.kinds.has(l.key)).map(([name]) => name);
    const reports: IpLinkDetails = [];
    if (unknown.length > PER_LINK_MAX) reports.push(...parseDetails(await this.details()));
    else for (const name of unknown) reports.push(...(await this.askOne(name)));
    for (const name of unknown) {
      const link = keyed.get(name);
      const report = reports.find((r) => r.ifname === name);
      // Gone, or re-created with another ifindex, between sysfs and iproute2: this read is not of one host state.
      if (link === undefined || report === undefined || report.ifindex !== link.index) return null;
      this.kinds.set(link.key, report.linkinfo?.info_kind);
    }
    const live = new Set([...keyed.values()].map((l) => l.key));
    for (const key of this.kinds.keys()) if (!live.has(key)) this.kinds.delete(key);

    const out = new Map<string, LinkFacts>();
    for (const name of names) {
      const link = keyed.get(name);
      if (link === undefined) {
        // Not a link (e.g. `bonding_masters`) or gone meanwhile, unless refused by name anyway.
        if (fixedRefused(name)) out.set(name, NO_FACTS);
        continue;
      }
      const dir = path.join(this.sysNet, name);
      const device = existsSync(path.join(dir, 'device'));
      const wireless = device && (existsSync(path.join(dir, 'wireless')) || existsSync(path.join(dir, 'phy80211')));
      const type = device ? readText(path.join(dir, 'type')) : null;
      out.set(name, { physical: device && type === '1' && !wireless, wifi: wireless, kind: this.kinds.get(link.key) });
    }
    return out;
  }

  /** The link's ifindex and lifetime key, or null when `name` is no link (or is gone). */
  private lifetime(name: string): { index: number; key: string } | null {
    const dir = path.join(this.sysNet, name);
    const index = readText(path.join(dir, 'ifindex'));
    if (index === null || !/^\d+$/.test(index)) return null;
    let inode: number;
    try {
      inode = lstatSync(dir).ino;
    } catch {
      return null;
    }
    return { index: Number(index), key: `${name}#${index}#${inode}` };
  }

  /** iproute2 about one link; empty when the link no longer exists, an error when it could not be asked. */
  private async askOne(name: string): Promise<IpLinkDetails> {
    let json: string;
    try {
      json = await this.details(name);
    } catch (err) {
      if (GONE.test(stderrOf(err))) return [];
      throw err;
    }
    return parseDetails(json);
  }
}

function parseDetails(json: string): IpLinkDetails {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new Error(`ip -details -json link show: output is not JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = IpLinkDetails.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`ip -details -json link show: ${issue?.path.join('.') || 'output'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
