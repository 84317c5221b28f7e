// The user's runtime credentials never travel in a support bundle (docs/plc.md "Credentials"): the credentials file
// (and its half-written or quarantined copies) is refused by name wherever the collection would pick it up, and the
// stored passwords are scrubbed from every entry, even where no key names them. Built from a data directory on disk,
// unpacked with tar and grepped.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../electron/core/settings/layers.js';
import { defaultSettings } from '../../../../electron/core/settings/schema.js';
import { buildSupportBundle } from '../../../../electron/core/support/bundle.js';
import { isNeverBundled, scrubPasswords, storedRuntimePasswords } from '../../../../electron/core/support/runtime-secrets.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bundle-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PW1 = 'Plant-Floor-Pw-1';
const PW2 = 'quote"and\\slash-2';
const PW_CORRUPT = 'from-a-quarantined-file';

function credentials(entries: Record<string, string>): string {
  return JSON.stringify({ version: 1, vplcs: Object.fromEntries(Object.entries(entries).map(([name, password]) => [name, { username: 'admin', password, saved_at: '2026-12-05T05:00:00.000Z' }])) });
}

async function bundle(dataDir: string): Promise<{ files: string[]; text: string }> {
  const config = resolveConfig(defaultSettings(), { VPLC_DATA_DIR: dataDir }, {});
  const settingsFile = path.join(dataDir, 'no-settings.json');
  const { archive, files } = await buildSupportBundle({ config, settingsFile, tokenFiles: [], appVersion: '0.0.0-test' });
  const out = mkdtempSync(path.join(dir, 'out-'));
  writeFileSync(path.join(out, 'b.tar.gz'), archive);
  execFileSync('tar', ['-xzf', path.join(out, 'b.tar.gz'), '-C', out]);
  return { files, text: files.map((f) => readFileSync(path.join(out, f), 'utf8')).join('\n') + archive.toString('latin1') };
}

describe('support bundle and runtime credentials', () => {
  it('carries neither the credentials file nor any stored password, even in free text no key names', async () => {
    const dataDir = path.join(dir, 'data');
    mkdirSync(path.join(dataDir, 'logs'), { recursive: true });
    mkdirSync(path.join(dataDir, 'journal'), { recursive: true });
    writeFileSync(path.join(dataDir, 'runtime-credentials.json'), credentials({ plc1: PW1, plc2: PW2 }), { mode: 0o600 });
    writeFileSync(path.join(dataDir, 'runtime-credentials.json.corrupt-2026-12-05'), `{"version":1,"vplcs":{"plc3":{"username":"admin","password":"${PW_CORRUPT}"`);
    writeFileSync(path.join(dataDir, 'installation.json'), JSON.stringify({ id: 'inst-1' }));
    // Free text with the passwords as they are, where no redaction rule could know them.
    writeFileSync(path.join(dataDir, 'logs', 'agent.log'), `plain line: someone named a vPLC ${PW1}\n${JSON.stringify({ msg: `note ${PW2} and ${PW_CORRUPT}`, level: 'info' })}\n`);
    // A file that the collection picks up only because of its name: the guard refuses it all the same.
    writeFileSync(path.join(dataDir, 'logs', 'runtime-credentials.json.log'), credentials({ plc9: 'in-a-log-named-like-it' }));
    writeFileSync(path.join(dataDir, 'journal', '2026-12.jsonl'), `${JSON.stringify({ vplc: 'plc1', what: 'plc:set-credentials', detail: `user admin ${PW1}` })}\n`);

    const { files, text } = await bundle(dataDir);
    expect(files.filter(isNeverBundled)).toEqual([]);
    expect(files.some((f) => f.endsWith('logs/agent.log'))).toBe(true);
    expect(files.some((f) => f.endsWith('state/installation.json'))).toBe(true);
    for (const secret of [PW1, PW2, JSON.stringify(PW2).slice(1, -1), PW_CORRUPT, 'in-a-log-named-like-it']) expect(text, secret).not.toContain(secret);
    expect(text).toContain('someone named a vPLC [redacted]');
    expect(text).toContain('inst-1');
  }, 30_000);

  it('reads passwords from valid, corrupt and escaped files, longest first, and scrubs both raw and JSON-escaped forms', async () => {
    const d = mkdtempSync(path.join(dir, 'pw-'));
    writeFileSync(path.join(d, 'runtime-credentials.json'), credentials({ a: 'short-pw', b: 'short-pw-longer', c: 'abc' }));
    // The atomic writer's temporary (electron/lib/fs/atomic.ts), half-written: a member without its closing quote.
    writeFileSync(path.join(d, '.runtime-credentials.json.4242.0d4f.tmp'), '{"vplcs":{"x":{"password":"half-written');
    writeFileSync(path.join(d, '.runtime-credentials.json.4243.1e5a.tmp'), credentials({ y: 'from-a-temporary' }));
    writeFileSync(path.join(d, 'vplc_state.json'), JSON.stringify({ x: { password: 'not-a-credentials-file' } }));
    // Three-letter passwords are left to the key-based redaction; a half-written member has no closing quote.
    expect(await storedRuntimePasswords(d)).toEqual(['from-a-temporary', 'short-pw-longer', 'short-pw']);
    expect(await storedRuntimePasswords(path.join(d, 'missing'))).toEqual([]);
    expect(scrubPasswords('a short-pw-longer b short-pw c', ['short-pw-longer', 'short-pw'])).toBe('a [redacted] b [redacted] c');
    expect(scrubPasswords(JSON.stringify({ m: PW2 }), [PW2])).toBe('{"m":"[redacted]"}');
    expect(isNeverBundled('root/state/runtime-credentials.json')).toBe(true);
    expect(isNeverBundled('root/state/.runtime-credentials.json.1.2.tmp')).toBe(true);
    expect(isNeverBundled('root/state/runtime-credentials.json.corrupt-1796400000')).toBe(true);
    expect(isNeverBundled('root/state/vplc_state.json')).toBe(false);
  });
});
