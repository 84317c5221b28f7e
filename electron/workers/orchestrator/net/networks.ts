import type Docker from 'dockerode';
import { hostAddress, normalizeCidr } from '../../../../shared/net/ipv4.js';
import type { Engine } from '../docker/engine.js';
import type { Executor } from '../exec/executor.js';
import type { StepActor } from '../exec/steps.js';
import { dockerMessage, isOverlapError, OperationError } from '../docker/errors.js';
import { Label, isOwn, ownFilter, ownLabels } from '../docker/labels.js';
import { allocateBlock } from './internal-pool.js';

export type InternalNet = { id: string; name: string; subnet: string; gateway: string; runtimeIp: string; created: boolean };
export type LanNet = { id: string; name: string; subnet: string; created: boolean };

export const internalNetworkName = (vplc: string): string => `${vplc}_internal`;
/** docs/protocol.md §5.4 (MATCH): `macvlan_<parent>_<a.b.c.d>_<prefix>`. */
export const lanNetworkName = (parent: string, cidr: string): string => `macvlan_${parent}_${cidr.replace('/', '_')}`;

export type NetworkDeps = {
  engine: Engine;
  /** Creates and removes the networks (the one Docker writer). */
  exec: Executor;
  instance: string;
  /** The dedicated internal pool (a setting; tests use a slice of 198.18.0.0/15). */
  internalPool: string;
  /** Subnets the pool must avoid besides Docker's own (host routes, known LANs). */
  avoidSubnets: () => Promise<string[]>;
  /** Test seam: lets a test create a competing network at the exact moment of the race (overlap reuse path). */
  fault?: (point: string, key: string) => void | Promise<void>;
};

type Mutex = { run<T>(fn: () => Promise<T>): Promise<T> };
function mutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const next = tail.then(fn, fn);
      tail = next.catch(() => undefined);
      return next;
    },
  };
}

function subnetsOf(n: Docker.NetworkInspectInfo): string[] {
  return (n.IPAM?.Config ?? []).map((c) => c.Subnet).filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * Internal bridges and MACVLAN networks (docs/protocol.md §5.3, §5.4).
 *
 * INVARIANTS
 * - Internal /29 allocation and creation run under one mutex, so two creates never pick the same block.
 * - LAN network get-or-create runs under one mutex per parent: a parent carries at most one MACVLAN network of ours.
 * - Networks are found by labels or `Options.parent`, never by parsing names.
 */
export class Networks {
  private readonly allocLock = mutex();
  private readonly parentLocks = new Map<string, Mutex>();
  /** Networks a create has chosen but not yet attached a container to; garbage collection leaves them alone. */
  private readonly held = new Map<string, number>();

  constructor(private readonly d: NetworkDeps) {}

  private lockFor(parent: string): Mutex {
    let m = this.parentLocks.get(parent);
    if (!m) this.parentLocks.set(parent, (m = mutex()));
    return m;
  }

  async ensureInternal(vplc: string, op: string, by: StepActor = 'agent'): Promise<InternalNet> {
    const name = internalNetworkName(vplc);
    const existing = await this.d.engine.inspectNetwork(name);
    if (existing) {
      if (!isOwn(existing.Labels, this.d.instance, 'internal-net')) {
        throw new OperationError(`Network ${name} exists and is not managed by this orchestrator`);
      }
      return this.describeInternal(existing, false);
    }
    return this.allocLock.run(async () => {
      const used = [...(await this.dockerSubnets()), ...(await this.d.avoidSubnets())];
      for (let attempt = 0; attempt < 8; attempt++) {
        const block = allocateBlock(this.d.internalPool, used);
        if (!block) throw new OperationError(`The internal network pool ${this.d.internalPool} has no free /29 left`);
        try {
          const id = await this.d.exec.run({
            kind: 'create-network',
            vplc,
            by,
            reason: 'internal network of the vPLC',
            options: {
              Name: name,
              Driver: 'bridge',
              Internal: true,
              CheckDuplicate: true,
              IPAM: { Driver: 'default', Config: [{ Subnet: block, Gateway: hostAddress(block, 1) }] },
              Labels: ownLabels(this.d.instance, 'internal-net', { vplc, op }),
            },
          });
          const info = await this.d.engine.inspectNetwork(id);
          if (!info) throw new OperationError(`Network ${name} vanished right after it was created`);
          return this.describeInternal(info, true);
        } catch (err) {
          if (!isOverlapError(err)) throw err;
          used.push(block);
        }
      }
      throw new OperationError('Could not allocate an internal /29: every candidate overlapped an existing network');
    });
  }

  private describeInternal(n: Docker.NetworkInspectInfo, created: boolean): InternalNet {
    const subnet = normalizeCidr(subnetsOf(n)[0] ?? '');
    if (!subnet) throw new OperationError(`Network ${n.Name} has no IPv4 subnet`);
    return { id: n.Id, name: n.Name, subnet, gateway: hostAddress(subnet, 1), runtimeIp: hostAddress(subnet, 2), created };
  }

  private async dockerSubnets(): Promise<string[]> {
    const nets = (await this.d.engine.docker.listNetworks()) as Docker.NetworkInspectInfo[];
    return nets.flatMap(subnetsOf);
  }

  /** Every MACVLAN network on `parent` (ours, legacy or foreign), found by driver and `Options.parent`. */
  async lanNetworksOn(parent: string): Promise<Docker.NetworkInspectInfo[]> {
    const nets = (await this.d.engine.docker.listNetworks({ filters: { driver: ['macvlan'] } })) as Docker.NetworkInspectInfo[];
    return nets.filter((n) => n.Driver === 'macvlan' && n.Options?.parent === parent);
  }

  /**
   * In use means any container attached, stopped ones included. Docker's network inspect lists only running
   * endpoints, so a stopped vPLC's network would look empty and be removed from under it.
   */
  async inUse(networkId: string): Promise<boolean> {
    if ((this.held.get(networkId) ?? 0) > 0) return true;
    const attached = await this.d.engine.docker.listContainers({ all: true, filters: { network: [networkId] } });
    return attached.length > 0;
  }

  /** Keeps a network from garbage collection until `release` (from get-or-create until the container is attached). */
  hold(networkId: string): () => void {
    this.held.set(networkId, (this.held.get(networkId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.held.get(networkId) ?? 1) - 1;
      if (n <= 0) this.held.delete(networkId);
      else this.held.set(networkId, n);
    };
  }

  /** docs/protocol.md §5.4 get-or-create, including the overlap reuse path. */
  async ensureLan(parent: string, cidr: string, gateway: string | undefined, op: string, by: StepActor = 'agent'): Promise<LanNet> {
    return this.lockFor(parent).run(() => this.ensureLanLocked(parent, cidr, gateway, op, by));
  }

  /** Runs `fn` under the parent's lock (a subnet move: creates on that parent wait for it, docs/protocol.md §8). */
  withParentLock<T>(parent: string, fn: () => Promise<T>): Promise<T> {
    return this.lockFor(parent).run(fn);
  }

  /** `ensureLan` for a caller that already holds the parent's lock (`withParentLock`). */
  async ensureLanLocked(parent: string, cidr: string, gateway: string | undefined, op: string, by: StepActor = 'agent'): Promise<LanNet> {
    const want = normalizeCidr(cidr);
    if (!want) throw new OperationError(`Invalid subnet ${cidr} for interface ${parent}`);
    for (const n of await this.lanNetworksOn(parent)) {
      const subnets = subnetsOf(n).map((s) => normalizeCidr(s));
      if (subnets.includes(want)) return { id: n.Id, name: n.Name, subnet: want, created: false };
      if (isOwn(n.Labels, this.d.instance, 'lan-net') && !(await this.inUse(n.Id))) {
        await this.removeNetwork(n.Id, false, by);
        continue;
      }
      throw new OperationError(
        `Interface ${parent} already carries MACVLAN network ${n.Name} (${subnets[0] ?? 'no subnet'}); a parent interface has one MACVLAN network at a time`,
      );
    }
    const name = lanNetworkName(parent, want);
    await this.d.fault?.('before-lan-create', parent);
    try {
      const id = await this.d.exec.run({
        kind: 'create-network',
        by,
        reason: `MACVLAN network of ${parent}`,
        options: {
          Name: name,
          Driver: 'macvlan',
          CheckDuplicate: true,
          Options: { parent },
          IPAM: { Driver: 'default', Config: [{ Subnet: want, ...(gateway ? { Gateway: gateway } : {}) }] },
          Labels: ownLabels(this.d.instance, 'lan-net', { parent, op }),
        },
      });
      return { id, name, subnet: want, created: true };
    } catch (err) {
      if (!isOverlapError(err)) throw err;
      const all = (await this.d.engine.docker.listNetworks()) as Docker.NetworkInspectInfo[];
      const match = all.find(
        (n) => n.Driver === 'macvlan' && n.Options?.parent === parent && subnetsOf(n).some((s) => normalizeCidr(s) === want),
      );
      if (!match) throw err;
      return { id: match.Id, name: match.Name, subnet: want, created: false };
    }
  }

  /** Whether a create holds the network between get-or-create and attaching its container. */
  isHeld(networkId: string): boolean {
    return (this.held.get(networkId) ?? 0) > 0;
  }

  /** Removes a network after force-disconnecting anything still attached (used for our internal bridges). */
  async removeNetwork(idOrName: string, disconnectAll = false, by: StepActor = 'agent'): Promise<void> {
    if (disconnectAll) {
      const info = await this.d.engine.inspectNetwork(idOrName);
      for (const cid of Object.keys(info?.Containers ?? {})) {
        await this.d.exec.run({ kind: 'disconnect', network: idOrName, container: cid, by, reason: 'network being removed' }).catch(() => undefined);
      }
    }
    await this.d.exec.run({ kind: 'remove-network', network: idOrName, by, reason: disconnectAll ? 'its vPLC is gone' : 'no container uses it', tolerate: ['not-found'] });
  }

  /** Removes our MACVLAN networks that no container uses any more (docs/protocol.md §5.4 garbage collection). */
  async gcLanNetworks(by: StepActor = 'agent'): Promise<string[]> {
    const own = (await this.d.engine.docker.listNetworks({ filters: ownFilter(this.d.instance, 'lan-net') })) as Docker.NetworkInspectInfo[];
    const removed: string[] = [];
    for (const n of own) {
      const parent = n.Options?.parent ?? '';
      await this.lockFor(parent).run(async () => {
        if (await this.inUse(n.Id)) return;
        try {
          await this.removeNetwork(n.Id, false, by);
          removed.push(n.Name);
        } catch (err) {
          // In use again by a concurrent create: keep it.
          if (!/in use|active endpoints/i.test(dockerMessage(err))) throw err;
        }
      });
    }
    return removed;
  }

  /** MACs in use on a parent according to Docker (every container on every MACVLAN network of that parent). */
  async dockerMacsOn(parent: string): Promise<Set<string>> {
    const macs = new Set<string>();
    for (const n of await this.lanNetworksOn(parent)) {
      const info = await this.d.engine.inspectNetwork(n.Id);
      for (const c of Object.values(info?.Containers ?? {})) {
        const mac = (c as { MacAddress?: string }).MacAddress;
        if (mac) macs.add(mac.toLowerCase());
      }
    }
    return macs;
  }
}

export const parentLabelOf = (n: Docker.NetworkInspectInfo): string | undefined => n.Labels?.[Label.parent] ?? n.Options?.parent;
