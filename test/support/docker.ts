import Docker from 'dockerode';
import { Label } from '../../electron/workers/orchestrator/docker/labels.js';
import { demuxLogs } from '../../electron/workers/orchestrator/docker/engine.js';
import { STANDIN_REPO } from '../images/build.js';
import { TEST_LABEL } from './run.js';

export const docker = new Docker();

export { STANDIN_REPO };
export const NETHELPER_IMAGE = 'vplc-test/nethelper:latest';

/** Removes every container and network of an installation id or a test run (force), containers first. */
export async function removeByLabels(opts: { instance?: string; run?: string }): Promise<void> {
  const filters: string[] = [];
  if (opts.instance) filters.push(`${Label.instance}=${opts.instance}`);
  if (opts.run) filters.push(`${TEST_LABEL}=${opts.run}`);
  for (const label of filters) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
  for (const label of filters) {
    for (const n of await docker.listNetworks({ filters: { label: [label] } })) {
      const net = docker.getNetwork(n.Id);
      const info = (await net.inspect().catch(() => null)) as Docker.NetworkInspectInfo | null;
      // An "ep-<id>" key is an endpoint whose container is gone: Docker's forced disconnect finds it by its name.
      for (const [key, c] of Object.entries(info?.Containers ?? {})) {
        await net.disconnect({ Container: key.startsWith('ep-') && c.Name ? c.Name : key, Force: true }).catch(() => undefined);
      }
      await net.remove().catch((err: unknown) => console.error(`test cleanup: network ${n.Name} NOT removed: ${String(err)}`));
    }
  }
}

/** `lowerIndex`: for a MACVLAN (or veth) link, the ifindex of its lower device in the host namespace (`eth1@if12`). */
export type WireLinkView = { ifname: string; mac: string; ipv4: string[]; lowerIndex?: number };

/**
 * Reads the interfaces inside a container's network namespace with our own helper, independently of the code under
 * test: this is the MAC on the wire, not Docker's record.
 */
export async function wireLinks(containerId: string, run: string): Promise<WireLinkView[]> {
  const h = await docker.createContainer({
    Image: NETHELPER_IMAGE,
    Cmd: ['sh', '-c', 'ip -o link; echo ====; ip -o -4 addr'],
    Labels: { [TEST_LABEL]: run },
    HostConfig: { NetworkMode: `container:${containerId}`, CapDrop: ['ALL'], ReadonlyRootfs: true },
  });
  try {
    await h.start();
    await h.wait();
    const out = demuxLogs((await h.logs({ stdout: true, stderr: true })) as unknown as Buffer).stdout;
    const [links = '', addrs = ''] = out.split('====\n');
    const result = new Map<string, WireLinkView>();
    for (const line of links.split('\n')) {
      const m = /^\d+:\s+([^:@\s]+)(?:@(\S+))?:.*link\/ether\s+(\S+)/.exec(line);
      const lower = /^if(\d+)$/.exec(m?.[2] ?? '')?.[1];
      if (m?.[1] && m[3]) result.set(m[1], { ifname: m[1], mac: m[3], ipv4: [], ...(lower ? { lowerIndex: Number(lower) } : {}) });
    }
    for (const line of addrs.split('\n')) {
      const m = /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(line);
      if (m?.[1] && m[2]) result.get(m[1])?.ipv4.push(m[2]);
    }
    return [...result.values()];
  } finally {
    await h.remove({ force: true }).catch(() => undefined);
  }
}
