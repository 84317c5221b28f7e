import type { Engine, HelperResult } from '../docker/engine.js';
import { ownLabels } from '../docker/labels.js';
import type { HelperImageSource } from '../helper-image/helper-image.js';
import type { HostHelperOptions } from '../spec/netns-helper.js';
import type { Logger } from '../context.js';

/** One step of host-network work: a fixed script of ours, with exactly the namespaces and rights it needs. */
export type HostStep = {
  /** What the step does, in words for the log ("move enp4s0 into plc-1"). */
  what: string;
  /** The vPLC it is for (labels the helper). */
  vplc?: string;
  script: string;
  capabilities: readonly string[];
  timeoutMs?: number;
} & Pick<HostHelperOptions, 'pidHost' | 'netnsOf' | 'writableProcSys'>;

/**
 * Runs host-network steps in short-lived helper containers of the local helper image (docs/host-nics.md
 * "Privileges"): the agent itself stays non-root. Every step is logged with its rights, exit code and duration.
 */
export class HostSteps {
  constructor(
    private readonly o: { engine: Pick<Engine, 'runHostStep'>; helper: HelperImageSource; installationId: () => string; log: Pick<Logger, 'info' | 'warn'> },
  ) {}

  async run(step: HostStep): Promise<HelperResult> {
    const image = await this.o.helper.image();
    const labels = ownLabels(this.o.installationId(), 'helper', step.vplc !== undefined ? { vplc: step.vplc } : {});
    const started = Date.now();
    const { what, vplc, script, capabilities, timeoutMs, ...ns } = step;
    const r = await this.o.engine.runHostStep({ image, labels, script, capabilities, ...ns, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
    const data = { step: what, ...(vplc !== undefined ? { vplc } : {}), caps: capabilities.join(','), ...ns, exit: r.exitCode, ms: Date.now() - started };
    if (r.exitCode === 0) this.o.log.info('host step done', data);
    else this.o.log.warn('host step failed', { ...data, stderr: r.stderr.trim().slice(0, 500) });
    return r;
  }
}
