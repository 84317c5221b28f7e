/** Hardening settings: https-only cloud URL, server pins, parent policy and run_command caps. */
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../../../electron/core/settings/args.js';
import { resolveConfig } from '../../../../../electron/core/settings/layers.js';
import { Settings } from '../../../../../electron/core/settings/schema.js';

describe('hardening settings', () => {
  it('refuses an http: cloud URL in the settings file, naming the field', () => {
    const r = Settings.safeParse({ version: 1, cloud: { url: 'http://cloud.example:3001' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ['cloud', 'url'], message: 'Value must be an https: URL.' });
  });

  it('refuses an http: --cloud-url', () => {
    expect(() => parseArgs(['--cloud-url', 'http://cloud.example:3001'])).toThrow(new UsageError('--cloud-url: Value must be an https: URL.'));
    expect(() => parseArgs(['--cloud-url=ws://x'])).toThrow(UsageError);
    expect(parseArgs(['--cloud-url', 'https://cloud.example:3001']).flags['cloud-url']).toBe('https://cloud.example:3001');
  });

  it('refuses a malformed pin, naming its index', () => {
    const r = Settings.safeParse({ version: 1, cloud: { serverPins: ['not-a-hash'] } });
    expect(r.error?.issues[0]?.path).toEqual(['cloud', 'serverPins', 0]);
  });

  it('carries pins, policy and caps into the effective config; defaults: no pin, physical Ethernet, 4 per vPLC, 16 in total', () => {
    const defaults = resolveConfig(Settings.parse({ version: 1 }), {}, {});
    expect(defaults).toMatchObject({ serverPins: [], runCommandMaxPerDevice: 4, runCommandMaxTotal: 16, parentPolicy: { zones: {}, allowBridging: [] } });
    expect(defaults.parentPolicy.allow).toBeUndefined();
    const pin = 'YCOvodIgQK1217wGftZXZHGhLIiexw/IrHnovdCqlBQ=';
    const file = Settings.parse({
      version: 1,
      cloud: { serverPins: [pin] },
      orchestrator: { runCommandMaxPerDevice: 1, runCommandMaxTotal: 2, parentPolicy: { allow: ['lan*'], zones: { cell: ['lan1'] } }, runCommandAllowList: [{ pathPrefix: '/api', ports: [8443] }] },
    });
    expect(resolveConfig(file, {}, {})).toMatchObject({
      serverPins: [pin],
      runCommandMaxPerDevice: 1,
      runCommandMaxTotal: 2,
      parentPolicy: { allow: ['lan*'], zones: { cell: ['lan1'] } },
      runCommandAllowList: [{ pathPrefix: '/api', ports: [8443] }],
    });
  });
});
