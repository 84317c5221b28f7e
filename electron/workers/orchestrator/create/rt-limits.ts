import type { OrchestratorContext } from '../context.js';
import { dockerMessage, isRlimitRefusal } from '../docker/errors.js';
import { ownLabels } from '../docker/labels.js';
import type { StepActor } from '../exec/steps.js';
import { helperName } from '../spec/helper-name.js';
import { REFERENCE_ULIMITS } from '../spec/container-spec.js';

/**
 * Learns once per orchestrator whether the engine refuses the real-time ulimits, with a probe container that has no
 * network (docs/decisions.md "Real-time ulimits are probed without a network"). Finding out by a failed start of
 * each vPLC in flight would make every one of them join and leave its MACVLAN network while the others join it; under
 * that churn Docker 20.10's endpoint count of the network drifts above its endpoints, and the network can no longer be
 * removed (a later re-attach then fails every vNIC on that parent).
 *
 * Concurrent creates share one probe. A probe that fails for any other reason leaves the fact unknown: the start of
 * the vPLC then finds out as before.
 */
export function learnRtLimits(ctx: OrchestratorContext, image: string, by: StepActor): Promise<void> {
  if (ctx.hostFacts.rtLimitsRefused) return Promise.resolve();
  ctx.hostFacts.rtLimitsProbe ??= probe(ctx, image, by);
  return ctx.hostFacts.rtLimitsProbe;
}

async function probe(ctx: OrchestratorContext, image: string, by: StepActor): Promise<void> {
  const labels = ownLabels(ctx.store.installationId, 'helper', {});
  const about = { by, reason: 'probe the real-time ulimits' } as const;
  let id: string;
  try {
    id = await ctx.exec.run({
      kind: 'create-container',
      ...about,
      options: {
        name: helperName(labels, 'host'),
        Image: image,
        // The refusal comes from runc before the command runs, so an image without `true` still answers.
        Entrypoint: ['true'],
        Cmd: [],
        Labels: labels,
        HostConfig: { NetworkMode: 'none', Ulimits: REFERENCE_ULIMITS, CapDrop: ['ALL'], ReadonlyRootfs: true, RestartPolicy: { Name: 'no' } },
      },
    });
  } catch (err) {
    ctx.log.debug('real-time ulimits probe could not run; the first start finds out', { err: dockerMessage(err) });
    return;
  }
  try {
    await ctx.exec.run({ kind: 'start', container: id, ...about });
  } catch (err) {
    if (isRlimitRefusal(err)) {
      ctx.hostFacts.rtLimitsRefused = true;
      ctx.log.warn('engine refuses real-time ulimits; vPLCs are created without them', {});
    } else {
      ctx.log.debug('real-time ulimits probe did not start; the first start finds out', { err: dockerMessage(err) });
    }
  } finally {
    await ctx.exec.run({ kind: 'remove', container: id, ...about, tolerate: ['not-found'] }).catch((err: unknown) =>
      ctx.log.warn('real-time ulimits probe container not removed', { container: id, err: dockerMessage(err) }),
    );
  }
}
