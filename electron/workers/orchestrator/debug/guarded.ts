/**
 * The one gate of every cloud debug message (docs/debug.md "Cloud debug messages"): the `debug` channel of a WebRTC
 * session and run_command `api:"debug"` both reach the runtime bridge through it, so the run_command allow-list
 * applies to both, checked once.
 */
import type { DebugBridge, DebugMessageInput, DebugReply } from '../../../../shared/debug/types.js';
import { DEBUG_NOT_ALLOWED, debugAllowed } from '../runtime/proxy.js';
import type { AllowListEntry } from '../runtime/types.js';
import type { RuntimeDebugBridge } from './bridge.js';

export class GuardedDebugBridge implements DebugBridge {
  constructor(
    private readonly inner: RuntimeDebugBridge,
    /** The run_command allow-list in effect; undefined allows everything. */
    private readonly allowList: () => readonly AllowListEntry[] | undefined,
  ) {}

  handle(input: DebugMessageInput): Promise<DebugReply> {
    if (!debugAllowed(this.allowList(), input.message)) return Promise.resolve({ type: 'debug_error', error: DEBUG_NOT_ALLOWED });
    return this.inner.handle(input);
  }

  close(session: string): Promise<void> {
    return this.inner.close(session);
  }

  hasDevice(deviceId: string): Promise<boolean> {
    return this.inner.hasDevice(deviceId);
  }

  closeVplc(vplc: string): Promise<void> {
    return this.inner.closeVplc(vplc);
  }

  sweep(): Promise<string[]> {
    return this.inner.sweep();
  }

  closeAll(): Promise<void> {
    return this.inner.closeAll();
  }
}
