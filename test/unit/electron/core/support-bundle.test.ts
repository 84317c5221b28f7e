import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../electron/core/settings/layers.js';
import { defaultSettings } from '../../../../electron/core/settings/schema.js';
import { buildSupportBundle } from '../../../../electron/core/support/bundle.js';
import { redactFile } from '../../../../electron/core/support/redact-text.js';
import { fakePem } from '../../../support/fake-pem.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRETS = ['hunter2', 'deep-cookie', 'tok.en.value', 's3cr3t-pass', 'runtime-pw', '424242'];

describe('redactFile', () => {
  it('redacts JSON documents and JSON lines structurally, whatever the type of the secret value', () => {
    const doc = JSON.stringify({ vplcs: [{ name: 'plc-1', runtime: { credentials: { user: 'admin', pw: 'runtime-pw' } } }], secret: 424242, proxy: 'http://u:s3cr3t-pass@proxy:3128' });
    const lines = [
      JSON.stringify({ msg: 'x', data: { a: [{ b: { c: { d: { e: { f: { g: { cookie: 'deep-cookie' } } } } } } }] } }),
      'plain text with Bearer tok.en.value',
      fakePem('RSA PRIVATE KEY', 'MIIEpAIBAAKCAQEA'),
      '',
    ].join('\n');
    const out = redactFile(doc) + redactFile(lines);
    for (const s of SECRETS) expect(out).not.toContain(s);
    expect(out).not.toContain('MIIEpAIBAAKCAQEA');
    expect(out).toContain('[PEM block removed]');
    expect(out).toContain('plc-1');
    expect(out).toContain('http://[redacted]@proxy:3128');
  });
});

describe('support bundle', () => {
  it('carries no secret from logs, settings or state files, at any depth', async () => {
    const dataDir = path.join(dir, 'data');
    mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
    mkdirSync(path.join(dataDir, 'journal'), { recursive: true });
    const deepLog = { ts: 't', level: 'info', scope: 'agent', msg: 'pull from https://bob:hunter2@registry.example', data: { l1: { l2: { l3: { l4: { l5: { l6: { l7: [{ cookie: 'deep-cookie' }] } } } } } } } };
    writeFileSync(path.join(dataDir, 'logs', 'agent.log'), `${JSON.stringify(deepLog)}\nnot json: Authorization: Bearer tok.en.value\n`);
    writeFileSync(path.join(dataDir, 'journal', '2026-12.jsonl'), `${JSON.stringify({ vplc: 'plc-1', detail: { env: { PW: 's3cr3t-pass' } } })}\n`);
    writeFileSync(path.join(dataDir, 'vplc_state.json'), JSON.stringify({ vplcs: { 'plc-1': { credentials: { username: 'admin', password: 'runtime-pw' } } } }));
    const settingsFile = path.join(dir, 'settings.json');
    writeFileSync(settingsFile, JSON.stringify({ version: 1, cloud: { proxyUrl: 'http://u:s3cr3t-pass@proxy:3128', apiKey: 424242 } }));
    const config = resolveConfig(defaultSettings(), { VPLC_DATA_DIR: dataDir }, {});
    const { archive, files } = await buildSupportBundle({ config, settingsFile, tokenFiles: [], appVersion: '0.0.0-test' });
    const out = path.join(dir, 'out');
    mkdirSync(out);
    writeFileSync(path.join(dir, 'bundle.tar.gz'), archive);
    execFileSync('tar', ['-xzf', path.join(dir, 'bundle.tar.gz'), '-C', out]);
    const text = files.map((f) => readFileSync(path.join(out, f), 'utf8')).join('\n');
    for (const s of SECRETS) expect(text, s).not.toContain(s);
    expect(files.some((f) => f.endsWith('logs/agent.log'))).toBe(true);
    expect(text).toContain('https://[redacted]@registry.example');
    expect(text).toContain('plc-1');
  }, 30_000);
});
