import { randomUUID } from 'node:crypto';
import { refusal, type Refusal } from '../../../shared/api/errors.js';
import { VplcSpec, type Requester } from '../../../shared/domain/vplc.js';
import type { OrchestratorContext } from './context.js';
import { runtimeImageRef } from './create/image.js';
import { policyRefusal } from './create/validate.js';
import { isOwn } from './docker/labels.js';
import type { LinkFacts } from './host/parent-policy.js';
import { dedicatedClaims, dedicatedRefusal, parentDedicatedRefusal, vnicParents, withDedicatedClaims } from './dedicated/validate.js';
import { dependencyCycle } from './lifecycle/dependencies.js';
import { serialPortsRefusal, withSerialClaims } from './serial/validate.js';
import { ORCHESTRATOR_ID } from './self-destruct.js';

export type CreateAck = { status: 'creating'; container_id: string; message: string; operation_id: string } | Refusal;
export type DeleteAck = { status: 'deleting'; device_id: string; message: string } | Refusal;

export type RequestDeps = {
  ctx: OrchestratorContext;
  destructing: () => boolean;
  linkFacts: () => Promise<Map<string, LinkFacts>>;
};

function inFlightRefusal(ctx: OrchestratorContext, name: string): Refusal | null {
  const op = ctx.ops.inProgress(name);
  return op ? { status: 'error', error: `Container ${name} already has a ${op} operation in progress` } : null;
}

/** Starts the operation, or refuses when another request for the name got in while we looked at Docker. */
function begin(ctx: OrchestratorContext, name: string, op: 'create' | 'delete'): Refusal | null {
  if (ctx.ops.begin(name, op)) return null;
  return inFlightRefusal(ctx, name) ?? { status: 'error', error: `Failed to start operation for ${name}` };
}

async function createRefusal(d: RequestDeps, spec: VplcSpec, requestedBy: Requester): Promise<Refusal | null> {
  const { ctx } = d;
  const name = spec.name;
  const ifaces = await ctx.interfaces.list();
  // The local policy decides; nothing in a request widens it.
  const facts = spec.vnics.length > 0 || spec.dedicatedInterface !== undefined ? await d.linkFacts() : new Map<string, LinkFacts>();
  const claims = dedicatedClaims(ctx);
  // An absent or WiFi NIC is refused later, at validating_config (docs/protocol.md §5.11); claims and policy here.
  const dedicated = dedicatedRefusal({ spec, interfaces: ifaces, facts, dedicated: claims, parents: vnicParents(ctx), allow: ctx.settings.parentPolicy.allow });
  if (dedicated) return refusal('VALIDATION', `Validation error: ${dedicated}`, 'dedicatedInterface');
  const refused = parentDedicatedRefusal(spec, claims) ?? policyRefusal(spec, ifaces, ctx.settings.parentPolicy, facts);
  if (refused) return { status: 'error', error: `Validation error: ${refused}` };
  const serial = serialPortsRefusal(ctx, spec, requestedBy);
  if (serial) return serial;
  const busy = inFlightRefusal(ctx, name);
  if (busy) return busy;
  if (ctx.store.getDesired(name) || (await ctx.engine.inspectNamed(name))) return refusal('CONFLICT', 'Container name is already in use', 'name');
  const cycle = dependencyCycle(name, spec.dependsOn ?? [], (n) => ctx.store.getDesired(n)?.spec?.dependsOn ?? []);
  if (cycle) return { status: 'error', error: `depends_on would form a cycle: ${cycle.join(' → ')}` };
  return null;
}

/**
 * The synchronous part of a create (docs/protocol.md §4.1): checks, the operation begun and the desired record on disk.
 * Returns the accepted spec and operation id for the pipeline, or the error ack.
 */
export async function acceptCreate(d: RequestDeps, input: VplcSpec, requestedBy: Requester): Promise<{ spec: VplcSpec; opId: string } | Refusal> {
  const { ctx } = d;
  if (d.destructing()) return { status: 'error', error: 'Self-destruct operation in progress' };
  const parsed = VplcSpec.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'error', error: `Validation error: ${issue?.path.join('.') || 'spec'}: ${issue?.message ?? 'invalid'}` };
  }
  const spec = parsed.data;
  // Serial and NIC claims are checked and recorded as one step: two creates for one device cannot both pass. A vNIC
  // parent is a claim too (no other vPLC may dedicate it), so a create with vNICs takes the NIC lock as well.
  const record = (): Promise<{ spec: VplcSpec; opId: string } | Refusal> => checkAndRecord(d, spec, requestedBy);
  const claimed = spec.dedicatedInterface !== undefined || spec.vnics.length > 0 ? () => withDedicatedClaims(ctx, record) : record;
  return spec.serialPorts?.length ? withSerialClaims(ctx, claimed) : claimed();
}

/** The checks, the operation begun and the records written, for an accepted create. */
async function checkAndRecord(d: RequestDeps, spec: VplcSpec, requestedBy: Requester): Promise<{ spec: VplcSpec; opId: string } | Refusal> {
  const { ctx } = d;
  const name = spec.name;
  const refused = (await createRefusal(d, spec, requestedBy)) ?? begin(ctx, name, 'create');
  if (refused) return refused;
  ctx.warnings.clear(name);
  const opId = randomUUID();
  const now = new Date().toISOString();
  try {
    // The acknowledged create is on disk before the ack, so it survives a power cut.
    await ctx.store.putDesired(name, {
      desired_state: 'running',
      created_at: now,
      updated_at: now,
      spec,
      runtime_image: runtimeImageRef(ctx.settings.runtimeRepo, spec.runtimeVersion),
      degraded_ulimits: false,
      tombstone: false,
      depends_on: spec.dependsOn ?? [],
      auto_update: spec.autoUpdate ?? false,
    });
    await ctx.serialConfigs.put(name, spec.serialPorts ?? []);
  } catch (err) {
    // Nothing was recorded for this name before (createRefusal), so neither record may outlive a refused create.
    await ctx.store.dropDesired(name).catch(() => undefined);
    await ctx.serialConfigs.drop(name).catch(() => undefined);
    ctx.ops.finish(name);
    return { status: 'error', error: `Could not record the vPLC: ${(err as Error).message}` };
  }
  ctx.log.info('create accepted', { vplc: name, op: opId, requestedBy });
  return { spec, opId };
}

/** The synchronous part of a delete (docs/protocol.md §4.2): ownership checks and the operation begun; null when accepted. */
export async function acceptDelete(d: RequestDeps, name: string, requestedBy: Requester): Promise<Refusal | null> {
  const { ctx } = d;
  if (d.destructing()) return { status: 'error', error: 'Self-destruct operation in progress' };
  if (name === ORCHESTRATOR_ID) return refusal('FORBIDDEN', `Container ${name} is not managed by this orchestrator`);
  const busy = inFlightRefusal(ctx, name);
  if (busy) return busy;
  const info = await ctx.engine.inspectNamed(name);
  if (info && !isOwn(info.Config.Labels, ctx.store.installationId, 'vplc')) {
    return refusal('FORBIDDEN', `Container ${name} is not managed by this orchestrator`);
  }
  // Nothing of ours by that exact name: refused, so an ID prefix or a stray name changes nothing.
  if (!info && !ctx.store.getDesired(name) && ctx.store.getVnics(name).length === 0) return { status: 'error', error: `Device not found: ${name}` };
  const raced = begin(ctx, name, 'delete');
  if (raced) return raced;
  ctx.log.info('delete accepted', { vplc: name, requestedBy });
  return null;
}
