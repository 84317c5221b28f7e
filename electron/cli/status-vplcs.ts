import type Docker from 'dockerode';
import type { z } from 'zod';
import { invoke } from '../../shared/api/contract.js';
import type { VplcStatus } from '../../shared/domain/vplc-status.js';
import type { ApiClient } from '../core/api/ws-client.js';
import { Label, ownFilter } from '../workers/orchestrator/docker/labels.js';

type Out = (s: string) => void;

async function ask<S extends z.ZodType>(client: ApiClient, channel: string, input: unknown, schema: S): Promise<z.output<S>> {
  const env = await client.call(channel, input, 15_000);
  if (!env.ok) throw new Error(`${channel}: ${env.error.message}`);
  const parsed = schema.safeParse(env.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${channel}: unexpected answer (${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'})`);
  }
  return parsed.data;
}

/** "eth1 192.168.1.20, eth2 no address yet" from the vPLC's LAN networks (for DHCP vNICs, the lease). */
export function lanLine(s: VplcStatus): string {
  const nets = Object.entries(s.networks ?? {});
  if (!nets.length) return 'no LAN network';
  return nets.map(([net, v]) => `${net} ${v.ip_address ?? 'no address yet'}`).join(', ');
}

/** The agent's warnings about a vPLC, with its last failed operation. */
export function warningsOf(s: VplcStatus): string[] {
  const o = s.orchestrator_state;
  const w = [...(o?.warnings ?? [])];
  if (o?.last_error) w.push(`last ${o.last_error.operation} failed: ${o.last_error.error}`);
  if (s.status === 'error' && s.error) w.push(s.error);
  return w;
}

/** What `status` calls a vPLC: the agent's derived health (`degraded` when a fact is missing), else `stopped` for `exited`. */
export function vplcWord(v: { state: string; health?: string | undefined }): string {
  return v.health ?? (v.state === 'exited' || v.state === 'created' ? 'stopped' : v.state);
}

/** The running agent's live view: each vPLC with its state, LAN addresses and warnings. */
export async function printLiveVplcs(client: ApiClient, out: Out): Promise<void> {
  const list = await ask(client, 'vplc:list', {}, invoke['vplc:list'].output);
  out(`${list.length} vPLC(s) (live, from the running agent)\n`);
  const width = Math.max(8, ...list.map((v) => v.name.length));
  for (const v of [...list].sort((a, b) => a.name.localeCompare(b.name))) {
    const s = await ask(client, 'vplc:status', { name: v.name }, invoke['vplc:status'].output);
    out(`  ${v.name.padEnd(width)}  ${vplcWord(v).padEnd(10)}  ${lanLine(s)}\n`);
    for (const w of warningsOf(s)) out(`  ${' '.repeat(width)}  warning: ${w}\n`);
  }
}

/** Docker's view when no agent answers: states only; LAN addresses (leases) and warnings are the agent's. */
export async function printDockerVplcs(installation: string, out: Out, given?: Docker): Promise<number> {
  let list: Docker.ContainerInfo[];
  try {
    // Loaded on use: the agent's main thread imports this module through the CLI and must not carry dockerode.
    const docker = given ?? new (await import('dockerode')).default();
    list = await docker.listContainers({ all: true, filters: ownFilter(installation, 'vplc') });
  } catch (err) {
    out(`installation ${installation}: cannot list its vPLCs: ${(err as Error).message}\n`);
    return 1;
  }
  out(`installation ${installation}: ${list.length} vPLC(s) (Docker's view; LAN addresses and warnings need the running agent)\n`);
  for (const c of list.sort((a, b) => (a.Names[0] ?? '').localeCompare(b.Names[0] ?? ''))) {
    out(`  ${(c.Labels[Label.vplc] ?? c.Id).padEnd(40)} ${(c.State === 'exited' ? 'stopped' : c.State).padEnd(10)} ${c.Status}\n`);
  }
  return 0;
}
