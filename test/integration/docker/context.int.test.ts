// The orchestrator's context on a real engine: `openContext` returns it complete (every member present, the DHCP
// provisioner, the executor and the usage rings wired to the same context), so nothing needs patching afterwards.
// Runtime: under a second.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VplcEvent } from '../../../electron/workers/orchestrator/context.js';
import { openContext } from '../../../electron/workers/orchestrator/context-factory.js';
import { requireDocker } from '../../support/require.js';
import { testSettings } from '../../support/orchestrator.js';

requireDocker();

const dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-ctx-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('openContext', () => {
  it('builds every member of the context before returning it, and wires events and usage to its owner', async () => {
    const { ctx, rings, onEvent, lifecycle } = await openContext({ settings: testSettings(dataDir) });
    for (const [key, value] of Object.entries(ctx)) expect(value, key).not.toBeUndefined();
    expect(typeof ctx.dhcp.adoptRunning).toBe('function');
    expect(ctx.exec.busy('nobody')).toBe(false);

    const seen: VplcEvent[] = [];
    const off = onEvent((e) => seen.push(e));
    ctx.emit({ kind: 'changed', name: 'a', reason: 'started' });
    off();
    ctx.emit({ kind: 'removed', name: 'a' });
    expect(seen).toEqual([{ kind: 'changed', name: 'a', reason: 'started' }]);

    ctx.usage.register('a');
    expect(rings.unregister('a')).toBe(true);

    expect(ctx.shutdown.aborted).toBe(false);
    lifecycle.abort();
    expect(ctx.shutdown.aborted).toBe(true);
    ctx.dhcp.close();
  });
});
