import { z } from 'zod';
import { ParentPolicy } from '../../../shared/domain/parent-policy.js';
import { WARM_HELPER_IDLE_MS } from './docker/warm-host-helper.js';
import { SAMPLE_INTERVAL_MS } from './metrics/sampler.js';
import { RUNTIME_PROBE_PERIOD_MS } from './status/runtime-answers.js';

/** The orchestrator's part of the settings file (docs/decisions.md "One settings file"; this is its schema for this worker). */
export const OrchestratorSettings = z.object({
  dataDir: z.string(),
  /** EXTEND: configurable for mirrors and locally built images (docs/protocol.md §5.2). */
  runtimeRepo: z.string().default('ghcr.io/autonomy-logic/openplc-runtime'),
  /**
   * A local image to use for the namespace helpers instead of the one the agent builds from busybox; never pulled
   * (docs/decisions.md "Nothing the agent runs for itself is pulled").
   */
  helperImage: z.string().optional(),
  /** Where a static busybox is looked for, in order, to build the helper image; unset: `defaultBusyboxCandidates`. */
  busyboxPaths: z.array(z.string()).optional(),
  /** The packaged app's resources folder (Electron's `process.resourcesPath`, passed by the core), where a busybox ships. */
  resourcesPath: z.string().optional(),
  internalPool: z.string().default('172.29.0.0/16'),
  runtimeWaitMs: z.number().int().positive().default(60_000),
  /** How often each running runtime is probed when nothing else heard from it (docs/status.md "Runtime answers"). */
  runtimeProbeMs: z.number().int().min(1_000).default(RUNTIME_PROBE_PERIOD_MS),
  /**
   * How long an explicit start or restart may take before it answers, from its arrival: the cloud gives these commands
   * 30 s (docs/protocol.md §4.10), and 25 s at most leaves room for the ack. The runtime wait gets what the stop and the
   * start left; a runtime still silent then is answered `starting` and waited for in the background up to `runtimeWaitMs`.
   */
  controlBudgetMs: z.number().int().positive().max(25_000).default(25_000),
  pullStallMs: z.number().int().positive().default(120_000),
  stopTimeoutSec: z.number().int().positive().default(10),
  /** ARP probe window before a static vNIC joins the LAN (docs/decisions.md "ARP probe"); 0 turns the probe off. */
  arpProbeMs: z.number().int().nonnegative().max(10_000).default(500),
  /** The ARP probe helper stays up this long between probes (docs/decisions.md "ARP probe"); 0: a one-shot helper per probe. */
  probeHelperIdleMs: z.number().int().nonnegative().default(WARM_HELPER_IDLE_MS),
  /** Gratuitous ARP after a static vNIC joins or moves (docs/decisions.md "ARP probe"); off for switches that log them. */
  gratuitousArp: z.boolean().default(true),
  watchdog: z
    .object({
      delayMs: z.number().int().nonnegative().default(3_000),
      settleMs: z.number().int().nonnegative().default(2_000),
      pollMs: z.number().int().positive().default(60_000),
      resubscribeMs: z.number().int().positive().default(5_000),
      maxRestarts: z.number().int().positive().default(5),
      windowMs: z.number().int().positive().default(600_000),
      /** A down engine is pinged this often (docs/lifecycle.md "Engine outages"). */
      engineProbeMs: z.number().int().positive().default(1_000),
      /**
       * Stops nobody in the agent asked for put restarts on hold this long: a daemon shutdown signals every container
       * and waits up to their stop timeout (10 s) before its API goes away. Default: stop timeout + 5 s.
       */
      engineHoldMs: z.number().int().positive().default(15_000),
      /** vPLCs started at a time when the engine returns after an outage. */
      recoveryParallelism: z.number().int().positive().max(32).default(8),
    })
    .prefault({}),
  runCommand: z
    .object({
      timeoutMs: z.number().int().positive().default(60_000),
      connectTimeoutMs: z.number().int().positive().default(5_000),
      maxBodyBytes: z.number().int().positive().default(8 * 1024 * 1024),
      allowList: z
        .array(z.object({ method: z.string().optional(), pathPrefix: z.string(), ports: z.array(z.number().int().min(1).max(65535)).optional() }))
        .optional(),
      /** Calls in flight per vPLC and in total; more are answered at once with a 429 envelope. */
      maxPerDevice: z.number().int().positive().default(4),
      maxTotal: z.number().int().positive().default(16),
    })
    .prefault({}),
  /** Which host interfaces may be vNIC parents (shared/domain/parent-policy.ts); default: physical Ethernet only. */
  parentPolicy: ParentPolicy.prefault({}),
  /** Boot sync proceeds without the network-ready signal after this long (docs/protocol.md §6.1). */
  networkReadyFallbackMs: z.number().int().positive().default(120_000),
  /** How long boot sync waits for a vPLC's `depends_on` to be healthy before leaving it stopped (with a warning). */
  dependencyWaitMs: z.number().int().positive().default(300_000),
  /** The combined CA bundle written by the agent, mounted read-only into every vPLC when set (certificate sources). */
  caBundle: z.object({ file: z.string(), sha256: z.string() }).optional(),
  /** When set, open() writes the combined bundle into the data dir (with this customer CA file) and sets `caBundle`. */
  shareCaBundle: z.object({ caFile: z.string().optional() }).strict().optional(),
  /** Docker's configuration file, for the one-click live-restore fix (when the agent may write it). */
  dockerDaemonConfig: z.string().default('/etc/docker/daemon.json'),
  /** The PLC monitor (docs/plc.md "Polling"): its period (the usage sampler's, so the charts line up) and the fault restart. */
  plc: z
    .object({
      pollMs: z.number().int().min(500).max(600_000).default(SAMPLE_INTERVAL_MS),
      /** A PLC fault (`STATUS:ERROR`) lasting longer than this restarts the container once; 0: never. */
      faultRestartAfterMs: z.number().int().nonnegative().default(120_000),
    })
    .prefault({}),
  /** The runtime debug bridge (docs/debug.md "Sessions"): run_command sessions' idle close and the runtime timeouts. */
  debug: z
    .object({
      idleMs: z.number().int().positive().default(300_000),
      sweepMs: z.number().int().positive().default(60_000),
      connectMs: z.number().int().positive().default(10_000),
      commandMs: z.number().int().positive().default(5_000),
    })
    .prefault({}),
  /** Serial discovery (docs/serial.md): the udev by-id links and the sysfs mount, read directly. */
  serial: z
    .object({
      byIdDir: z.string().startsWith('/').default('/dev/serial/by-id'),
      sysRoot: z.string().startsWith('/').default('/sys'),
    })
    .prefault({}),
  /** EXTEND auto_update: how often the registry digest is checked, and the free space a pull needs. */
  updates: z
    .object({
      checkMs: z.number().int().positive().default(60_000),
      minFreeDiskMb: z.number().int().nonnegative().default(2_048),
    })
    .prefault({}),
});
export type OrchestratorSettings = z.infer<typeof OrchestratorSettings>;
export type OrchestratorSettingsInput = z.input<typeof OrchestratorSettings>;
