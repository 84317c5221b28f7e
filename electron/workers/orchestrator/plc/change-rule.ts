import type { ChangeRule, PlcStatusWord } from '../../../../shared/domain/plc.js';

/** What decides whether a pending change may touch a vPLC now (docs/plc.md "Changes only when the PLC allows"). */
export type ChangeRuleInput = {
  /** The container runs. */
  running: boolean;
  changePolicy: 'confirm' | 'immediate' | undefined;
  /** `spec.plcAwareChanges` (absent: on). */
  plcAware: boolean;
  hasCredentials: boolean;
  /** The last status word read from the runtime, and when (monotonic ms); null when none was read. */
  status: PlcStatusWord | null;
  readAt: number | null;
  now: number;
  pollMs: number;
};

export type ChangeDecision = { rule: ChangeRule; allowed: boolean; reason: string };

/** A read older than this many poll periods no longer says what the PLC does. */
export const FRESH_POLLS = 2;

/**
 * The change window of one vPLC, before any explicit confirm: `immediate` always; the PLC-aware rule (credentials and
 * the rule on) while the container is stopped or the PLC program is freshly known not to run (EMPTY/STOPPED); the
 * container rule (without credentials, or the rule off) only while the container is stopped.
 */
export function decideChange(i: ChangeRuleInput): ChangeDecision {
  if (i.changePolicy === 'immediate') return { rule: 'immediate', allowed: true, reason: 'change policy "immediate": a pending change applies at once' };
  if (!i.plcAware || !i.hasCredentials) {
    const why = !i.plcAware ? 'PLC-aware changes are off for this vPLC' : 'no runtime credentials';
    return {
      rule: 'container',
      allowed: !i.running,
      reason: i.running ? `held: ${why}; a pending change applies while the vPLC is stopped or after a confirm` : `${why}: the vPLC is stopped, so a pending change applies now`,
    };
  }
  if (!i.running) return { rule: 'plc-aware', allowed: true, reason: 'the vPLC is stopped: a pending change applies now' };
  const fresh = i.readAt !== null && i.now - i.readAt <= FRESH_POLLS * i.pollMs;
  if (!fresh || i.status === null) {
    return { rule: 'plc-aware', allowed: false, reason: 'held: the PLC status is not known right now; stop the PLC or confirm' };
  }
  switch (i.status) {
    case 'EMPTY':
      return { rule: 'plc-aware', allowed: true, reason: 'no PLC program is loaded: a pending change applies now' };
    case 'STOPPED':
      return { rule: 'plc-aware', allowed: true, reason: 'the PLC program is stopped: a pending change applies now' };
    case 'RUNNING':
      return { rule: 'plc-aware', allowed: false, reason: 'held: the PLC program is running; stop the PLC or confirm' };
    case 'ERROR':
      return { rule: 'plc-aware', allowed: false, reason: 'held: the PLC reports a fault (ERROR); confirm to apply' };
    default:
      return { rule: 'plc-aware', allowed: false, reason: `held: the PLC is in state ${i.status}; stop the PLC or confirm` };
  }
}
