import type { OrchestratorContext } from './context.js';
import { dockerMessage } from './docker/errors.js';
import { internalNetworkName } from './net/networks.js';
import type { RuntimeProbe } from './create/pipeline.js';
import { probeRuntime, type PinSlot, type TlsPinStore } from './runtime/tls-pin.js';
import { runtimeTlsSessions, type TlsSessionCache } from './runtime/tls-session.js';
import { RUNTIME_HTTPS_PORT } from './runtime/types.js';
import type { StateStore } from './store/state-store.js';

/**
 * Runtime certificate pins stored with the vPLC's desired record, each bound to the container it was seen on
 * (docs/runtime-tls.md): a pin counts only while its container is the one recorded for the vPLC.
 */
export class StoredRuntimePins implements TlsPinStore {
  /** Pins of vPLCs with no recorded container (adopted without a desired record): kept for this run only. */
  private readonly unrecorded = new Map<string, string>();

  constructor(private readonly store: Pick<StateStore, 'getDesired' | 'pinRuntimeCertificate'>) {}

  slot(id: string): PinSlot {
    const d = this.store.getDesired(id);
    const containerId = d?.container_id;
    if (containerId === undefined) {
      return {
        spki: this.unrecorded.get(id),
        record: (spki) => {
          this.unrecorded.set(id, spki);
          return Promise.resolve();
        },
      };
    }
    this.unrecorded.delete(id);
    const pin = d?.runtime_cert_pin;
    return {
      spki: pin?.container_id === containerId ? pin.spki_sha256 : undefined,
      record: (spki) => this.store.pinRuntimeCertificate(id, { container_id: containerId, spki_sha256: spki }),
    };
  }
}

/**
 * The runtime probe of the create and start waits and of the periodic checks (docs/status.md "Runtime answers"): one
 * pinned TLS connection and any HTTP answer, resuming the vPLC's session when a pinned handshake left one.
 */
export function runtimeProbe(access: Pick<RuntimeAccess, 'pins' | 'tlsSessions'>, timeoutMs = 1_000, port = RUNTIME_HTTPS_PORT): RuntimeProbe {
  return (vplc, ip) => probeRuntime(ip, port, timeoutMs, { deviceId: vplc, pins: access.pins, sessions: access.tlsSessions });
}

/**
 * How the agent reaches a runtime: its internal address (managed vPLCs only, refreshed from Docker on demand), its
 * pins, and the TLS sessions the PLC client and the probes share (none when resumption is turned off).
 */
export class RuntimeAccess {
  readonly pins: TlsPinStore;
  readonly tlsSessions: TlsSessionCache | undefined = runtimeTlsSessions(process.env);

  constructor(private readonly ctx: OrchestratorContext) {
    this.pins = new StoredRuntimePins(ctx.store);
  }

  async target(deviceId: string, refresh: boolean): Promise<{ internalIp: string } | null> {
    const cached = this.ctx.store.getClient(deviceId)?.ip;
    if (cached && !refresh) return (await this.isManaged(deviceId)) ? { internalIp: cached } : null;
    // Exactly this vPLC: never an ID prefix or another container's alias.
    const info = await this.ctx.engine.resolveVplc(deviceId, this.ctx.store.installationId).catch((err: unknown) => {
      this.ctx.log.warn('run_command: inspect failed', { vplc: deviceId, err: dockerMessage(err) });
      return null;
    });
    if (!info) return null;
    const ip = info.NetworkSettings.Networks[internalNetworkName(deviceId)]?.IPAddress;
    if (!ip) return null;
    await this.ctx.store.putClient(deviceId, ip);
    return { internalIp: ip };
  }

  private async isManaged(name: string): Promise<boolean> {
    if (this.ctx.store.getDesired(name)) return true;
    return (await this.ctx.engine.resolveVplc(name, this.ctx.store.installationId).catch(() => null)) !== null;
  }
}
