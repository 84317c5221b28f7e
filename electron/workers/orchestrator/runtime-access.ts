import type { OrchestratorContext } from './context.js';
import { dockerMessage } from './docker/errors.js';
import { isOwn } from './docker/labels.js';
import { internalNetworkName } from './net/networks.js';
import type { TlsPinStore } from './runtime/tls-pin.js';

/**
 * How the agent reaches a runtime: its internal address (managed vPLCs only, refreshed from Docker on demand) and the
 * runtime certificate pinned on first contact, stored with the vPLC's desired record.
 */
export class RuntimeAccess {
  private readonly memoryPins = new Map<string, string>();
  readonly pins: TlsPinStore;

  constructor(private readonly ctx: OrchestratorContext) {
    this.pins = {
      get: (id) => this.ctx.store.getDesired(id)?.runtime_cert_pin ?? this.memoryPins.get(id),
      set: async (id, pin) => {
        this.memoryPins.set(id, pin);
        await this.ctx.store.patchDesired(id, { runtime_cert_pin: pin });
      },
    };
  }

  async target(deviceId: string, refresh: boolean): Promise<{ internalIp: string } | null> {
    const cached = this.ctx.store.getClient(deviceId)?.ip;
    if (cached && !refresh) return (await this.isManaged(deviceId)) ? { internalIp: cached } : null;
    const info = await this.ctx.engine.inspectContainer(deviceId).catch((err: unknown) => {
      this.ctx.log.warn('run_command: inspect failed', { vplc: deviceId, err: dockerMessage(err) });
      return null;
    });
    if (!info || !isOwn(info.Config.Labels, this.ctx.store.installationId, 'vplc')) return null;
    const ip = info.NetworkSettings.Networks[internalNetworkName(deviceId)]?.IPAddress;
    if (!ip) return null;
    await this.ctx.store.putClient(deviceId, ip);
    return { internalIp: ip };
  }

  private async isManaged(name: string): Promise<boolean> {
    if (this.ctx.store.getDesired(name)) return true;
    const info = await this.ctx.engine.inspectContainer(name).catch(() => null);
    return !!info && isOwn(info.Config.Labels, this.ctx.store.installationId, 'vplc');
  }
}
