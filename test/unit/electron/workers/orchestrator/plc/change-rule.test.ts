import { describe, expect, it } from 'vitest';
import { decideChange, type ChangeRuleInput } from '../../../../../../electron/workers/orchestrator/plc/change-rule.js';
import type { PlcStatusWord } from '../../../../../../shared/domain/plc.js';

const POLL = 5_000;
const input = (over: Partial<ChangeRuleInput> = {}): ChangeRuleInput => ({
  running: true,
  changePolicy: undefined,
  plcAware: true,
  hasCredentials: true,
  status: 'RUNNING',
  readAt: 100_000,
  now: 100_000 + POLL,
  pollMs: POLL,
  ...over,
});

describe('decideChange (docs/plc.md "Changes only when the PLC allows")', () => {
  const words: PlcStatusWord[] = ['EMPTY', 'INIT', 'RUNNING', 'STOPPED', 'ERROR', 'TRANSITIONING', 'UNKNOWN'];

  it.each(words.map((w) => [w, w === 'EMPTY' || w === 'STOPPED'] as const))('with credentials, a running vPLC whose PLC reads %s: allowed %s', (status, allowed) => {
    const d = decideChange(input({ status }));
    expect(d).toMatchObject({ rule: 'plc-aware', allowed });
  });

  it('says in words which rule holds a running PLC program', () => {
    expect(decideChange(input()).reason).toBe('held: the PLC program is running; stop the PLC or confirm');
    expect(decideChange(input({ status: 'ERROR' })).reason).toContain('fault');
  });

  it('holds the change when the last read is older than two poll periods, or there is none', () => {
    expect(decideChange(input({ status: 'STOPPED', now: 100_000 + 2 * POLL })).allowed).toBe(true);
    expect(decideChange(input({ status: 'STOPPED', now: 100_000 + 2 * POLL + 1 }))).toMatchObject({ rule: 'plc-aware', allowed: false });
    expect(decideChange(input({ status: null, readAt: null })).reason).toContain('not known');
  });

  it('allows a stopped container under every rule', () => {
    for (const over of [{}, { hasCredentials: false }, { plcAware: false }, { changePolicy: 'confirm' as const }]) expect(decideChange(input({ ...over, running: false })).allowed).toBe(true);
  });

  it('keeps the container rule without credentials or with the rule off, whatever the PLC says', () => {
    expect(decideChange(input({ hasCredentials: false, status: 'STOPPED' }))).toMatchObject({ rule: 'container', allowed: false });
    expect(decideChange(input({ plcAware: false, status: 'EMPTY' }))).toMatchObject({ rule: 'container', allowed: false });
    expect(decideChange(input({ hasCredentials: false })).reason).toContain('no runtime credentials');
  });

  it('lets change policy "immediate" win over everything', () => {
    for (const over of [{}, { hasCredentials: false }, { status: 'ERROR' as const }, { readAt: null }]) expect(decideChange(input({ ...over, changePolicy: 'immediate' }))).toMatchObject({ rule: 'immediate', allowed: true });
  });
});
