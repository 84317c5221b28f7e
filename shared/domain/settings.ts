import { z } from 'zod';
import { WebRtcSettings } from '../webrtc/settings.js';
import { ParentPolicy } from './parent-policy.js';

export const SETTINGS_VERSION = 1;

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
/** Where the agent's workers run (the `agent.workers` setting). */
export const WorkersMode = z.enum(['in-process', 'threads']);

export function isHttpsUrl(s: string): boolean {
  try {
    return new URL(s).protocol === 'https:';
  } catch {
    return false;
  }
}

/** The cloud is reached over TLS only. */
export const HttpsUrl = z.string().refine(isHttpsUrl, { message: 'Value must be an https: URL.' });

/** SPKI sha256 of a certificate, base64 (as `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64` prints it). */
export const SpkiPin = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'Value must be a base64 SHA-256 of a SubjectPublicKeyInfo (44 characters).');

/**
 * The one settings file (docs/decisions.md "One settings file": one file, one schema, extended by each feature). Every field has a
 * default, so a partial file is valid; unknown keys from a newer version are kept when we read, never written by us.
 */
export const Settings = z.object({
  version: z.literal(SETTINGS_VERSION),
  cloud: z
    .object({
      /** false = local-only mode: no cloud link at all. */
      enabled: z.boolean().default(true),
      url: HttpsUrl.default('https://api.autonomylogic.com:3001'),
      provisionUrl: z.string().url().default('https://api.autonomylogic.com'),
      mtlsDir: z.string().optional(),
      caFile: z.string().optional(),
      /** EXTEND (docs/protocol.md §4.3): whether `delete_orchestrator` may remove this installation. */
      allowRemoteRemoval: z.boolean().default(true),
      /**
       * Optional pin of the cloud's key or CA, on top of normal verification: the connection is refused unless the
       * server's leaf or a certificate in its chain has one of these SPKI hashes. Empty: no pin.
       */
      serverPins: z.array(SpkiPin).default([]),
      /** WebRTC sessions for the cloud console's live debugging (docs/debug.md "WebRTC sessions"). */
      webrtc: WebRtcSettings.prefault({}),
    })
    .prefault({}),
  agent: z
    .object({
      dataDir: z.string().optional(),
      logLevel: LogLevel.default('info'),
      /** Loopback port of the UI/API bridge; 0 picks a free one. */
      uiPort: z.number().int().min(0).max(65535).default(48750),
      lockName: z.string().default('vplc-orchestrator-agent'),
      /**
       * How the orchestrator, netmon and cloud link run: as services inside the agent's thread (one V8 isolate, the
       * lighter), or each in its own worker thread (its own isolate and heap cap: also a hang or heap exhaustion ends
       * only that worker). Either way each restarts alone after a crash (docs/decisions.md "Supervised workers").
       */
      workers: WorkersMode.default('in-process'),
      /** Loopback `/metrics` (Prometheus) and `/health`; 0 picks a free port. */
      metricsEnabled: z.boolean().default(true),
      metricsPort: z.number().int().min(0).max(65535).default(48751),
    })
    .prefault({}),
  orchestrator: z
    .object({
      runtimeRepo: z.string().default('ghcr.io/autonomy-logic/openplc-runtime'),
      /** A local image for the namespace helpers instead of the one the agent builds from busybox; never pulled. */
      helperImage: z.string().optional(),
      internalPool: z.string().default('172.29.0.0/16'),
      runCommandTimeoutMs: z.number().int().positive().default(60_000),
      /**
       * Seconds a vPLC's runtime gets to shut down on a stop (stop, restart, delete, recreate, self-destruct) before
       * Docker kills it. At most 20, so a stop or restart still answers within the 30 s deadline of the cloud handlers.
       */
      stopTimeoutSec: z.number().int().min(1).max(20).default(10),
      /** `run_command` allow-list (method and path prefix); absent allows every call to the runtime's API. */
      runCommandAllowList: z
        .array(
          z
            .object({
              method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']).optional(),
              /** Compared by whole path segments: `/api` allows `/api/x`, never `/api2`. */
              pathPrefix: z.string().startsWith('/'),
              /** Runtime ports this entry allows; absent: any. */
              ports: z.array(z.number().int().min(1).max(65535)).optional(),
            })
            .strict(),
        )
        .optional(),
      /** `run_command` calls in flight per vPLC and in total; more are answered at once with a 429. */
      runCommandMaxPerDevice: z.number().int().positive().default(4),
      runCommandMaxTotal: z.number().int().positive().default(16),
      /** Which host interfaces may be vNIC parents; default: physical Ethernet only (shared/domain/parent-policy.ts). */
      parentPolicy: ParentPolicy.prefault({}),
      /** Mount the combined CA bundle (public roots, system store, the CA file) read-only into every vPLC. */
      shareCaBundle: z.boolean().default(false),
      /** auto_update: seconds between registry digest checks, and the free disk space a pull needs. */
      updateCheckSeconds: z.number().int().min(10).default(60),
      minFreeDiskMb: z.number().int().nonnegative().default(2_048),
      /** ARP probe window before a static vNIC joins the LAN, in ms; 0 turns the probe off. */
      arpProbeMs: z.number().int().nonnegative().max(10_000).default(500),
      /** One gratuitous ARP per static address after a vNIC joins or moves; off where switches log them. */
      gratuitousArp: z.boolean().default(true),
      /** Docker's configuration file: the live-restore fix writes `"live-restore": true` into it, when the agent may. */
      dockerDaemonConfig: z.string().startsWith('/').default('/etc/docker/daemon.json'),
      /** The PLC monitor (docs/plc.md "Polling"): its period, and how long a PLC fault may last before the container restarts (0: never). */
      plc: z
        .object({
          pollMs: z.number().int().min(500).max(600_000).default(5_000),
          faultRestartAfterMs: z.number().int().nonnegative().default(120_000),
        })
        .strict()
        .prefault({}),
      /**
       * The runtime debug bridge (docs/debug.md "Sessions"): how long a runtime's debug connection and each debug command
       * may take, and when idle `run_command` (http:) debug sessions close and how often that is checked.
       */
      debug: z
        .object({
          connectMs: z.number().int().positive().default(10_000),
          commandMs: z.number().int().positive().default(5_000),
          idleMs: z.number().int().positive().default(300_000),
          sweepMs: z.number().int().positive().default(60_000),
        })
        .strict()
        .prefault({}),
      /** Serial discovery (docs/serial.md): where udev keeps the by-id links, and the sysfs mount. */
      serial: z
        .object({
          byIdDir: z.string().startsWith('/').default('/dev/serial/by-id'),
          sysRoot: z.string().startsWith('/').default('/sys'),
        })
        .strict()
        .prefault({}),
    })
    .prefault({}),
  desktop: z
    .object({
      autostart: z.boolean().default(false),
      /** Linux default: GNOME may show no tray icon, so closing the window quits (docs/architecture.md §G). */
      quitOnClose: z.boolean().default(true),
    })
    .prefault({}),
});
export type Settings = z.infer<typeof Settings>;

export const defaultSettings = (): Settings => Settings.parse({ version: SETTINGS_VERSION });
