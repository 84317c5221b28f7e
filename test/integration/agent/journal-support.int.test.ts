// The change journal and the support bundle with a real agent: a vPLC created and deleted by the UI and stopped by the
// CLI leaves entries for each request and its completion under whoever asked, which survive an agent restart; `vplc-orchestrator
// support` then writes a tar.gz (extracted with tar) holding status from the running agent, settings, logs and the
// journal, with PEM blocks and tokens redacted and nothing from the mTLS directory. Runtime: about 20-30 s.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { fakePem } from '../../support/fake-pem.js';

requireDocker();

const run = newRunId();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-journal-'));
const name = `vt-${run}-jr`;
const dataDir = path.join(dir, 'data');
const tokenFile = path.join(dir, 'token');
const env = { VPLC_TOKEN_FILE: tokenFile, XDG_CONFIG_HOME: path.join(dir, 'config') };
const args = ['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--lock-name', `vt-${run}-journal`, '--internal-pool', '198.19.99.0/24', '--runtime-image', STANDIN_REPO, '--mtls-dir', path.join(dir, 'mtls')];
let agent: AgentProcess;
let client: ApiClient;
let port = 0;
let installation = '';
type Entry = { vplc: string; action: string; requestedBy: string; result: string; detail?: string };
const journal = async (): Promise<Entry[]> => ((await client.call('journal:list', { name })) as { value: Entry[] }).value;
const SECRET_TOKEN = 'ab'.repeat(32);

beforeAll(async () => {
  agent = spawnAgent(args, env);
  const ready = await agent.ready;
  port = ready.port;
  client = await ApiClient.connect(ready.port, ready.token);
  installation = ((await client.call('agent:status', {})) as { value: { installationId: string } }).value.installationId;
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  rmSync(dir, { recursive: true, force: true });
});

describe('the change journal', () => {
  it('records who asked for each change and what came of it', async () => {
    expect(await client.call('vplc:create', { name, vnics: [] })).toMatchObject({ ok: true });
    await waitFor(journal, (j) => j.some((e) => e.action === 'create' && e.result !== 'accepted'), { timeoutMs: 60_000, what: 'the create completion in the journal' });
    const cli = await ApiClient.connect(port, (await agent.ready).token, 5_000, 'cli');
    expect(await cli.call('vplc:stop', { name, confirm: true })).toMatchObject({ ok: true });
    cli.close();
    expect(await client.call('vplc:delete', { name, confirm: true })).toMatchObject({ ok: true });
    const entries = await waitFor(journal, (j) => j.some((e) => e.action === 'delete' && e.result !== 'accepted'), { timeoutMs: 60_000, what: 'the delete completion in the journal' });
    expect(entries.reverse().map((e) => `${e.action} ${e.requestedBy} ${e.result}`)).toEqual(['create ui accepted', 'create ui ok', 'stop cli ok', 'delete ui accepted', 'delete ui ok']);
  });

  it('keeps the journal across an agent restart', async () => {
    client.close();
    await agent.stop();
    agent = spawnAgent(args, env);
    const ready = await agent.ready;
    port = ready.port;
    client = await ApiClient.connect(ready.port, ready.token);
    expect((await journal()).map((e) => e.action)).toEqual(['delete', 'delete', 'stop', 'create', 'create']);
  });
});

describe('the support bundle', () => {
  it('holds live status, settings, logs and the journal, redacted, and nothing from the mTLS directory', () => {
    mkdirSync(path.join(dir, 'mtls'), { recursive: true });
    writeFileSync(path.join(dir, 'mtls', 'client.key'), `${fakePem('PRIVATE KEY', 'SECRETKEYMATERIAL')}\n`);
    writeFileSync(path.join(dataDir, 'logs', 'pasted.log'), `opened http://127.0.0.1:1/#token=${SECRET_TOKEN}\n${fakePem('RSA PRIVATE KEY', 'MIIEpAIBAAKCAQEA')}\n{"token":"${SECRET_TOKEN}"}\n`);
    const out = path.join(dir, 'bundle.tar.gz');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', 'support', '--out', out, '--data-dir', dataDir, '--ui-port', String(port), '--mtls-dir', path.join(dir, 'mtls')], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`support bundle written: ${out}`);
    const x = path.join(dir, 'x');
    mkdirSync(x);
    execFileSync('tar', ['-xzf', out, '-C', x]);
    const [top] = readdirSync(x);
    const root = path.join(x, top as string);
    const all = execFileSync('find', [root, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').map((f) => path.relative(root, f)).sort();
    expect(all).toEqual(expect.arrayContaining(['versions.json', 'status.json', 'settings.json', 'effective-config.json', 'logs/agent.log', 'logs/pasted.log', 'journal/journal.jsonl', 'state/installation.json']));
    expect(all.filter((f) => /mtls|\.key$|\.pem$|\.crt$/.test(f))).toEqual([]);
    const status = JSON.parse(readFileSync(path.join(root, 'status.json'), 'utf8')) as { source: string; 'vplc:list': { ok: boolean } };
    expect(status.source).toBe(`agent on 127.0.0.1:${port}`);
    expect(status['vplc:list'].ok).toBe(true);
    const everything = all.map((f) => readFileSync(path.join(root, f), 'utf8')).join('\n');
    expect(everything).not.toContain(SECRET_TOKEN);
    expect(everything).not.toContain('MIIEpAIBAAKCAQEA');
    expect(everything).not.toContain('SECRETKEYMATERIAL');
    expect(readFileSync(path.join(root, 'logs/pasted.log'), 'utf8')).toContain('[PEM block removed]');
    expect(readFileSync(path.join(root, 'journal/journal.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
  });
});

describe('the work queue', () => {
  it('cleans up a vPLC whose container is gone, once per id, and journals it', async () => {
    const gone = `vt-${run}-gone`;
    expect(await client.call('vplc:create', { name: gone, vnics: [] })).toMatchObject({ ok: true });
    await waitFor(() => client.call('vplc:status', { name: gone }) as Promise<{ value?: { status?: string } }>, (s) => s.value?.status === 'success', { timeoutMs: 60_000, what: 'the second vPLC running' });
    execFileSync('docker', ['rm', '-f', gone], { stdio: 'ignore' });
    expect(await client.call('work:submit', { id: 'gone-1', name: gone, command: 'cleanup' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'confirm' } });
    const first = (await client.call('work:submit', { id: 'gone-1', name: gone, command: 'cleanup', confirm: true })) as { ok: boolean; value: { state: string; result: string } };
    expect(first.value).toMatchObject({ state: 'done', result: 'ok' });
    await waitFor(async () => ((await client.call('vplc:list', {})) as { value: Array<{ name: string }> }).value, (l) => !l.some((v) => v.name === gone), { timeoutMs: 30_000, what: 'the vPLC gone from the list' });
    const again = (await client.call('work:submit', { id: 'gone-1', name: gone, command: 'cleanup', confirm: true })) as { value: unknown };
    expect(again.value).toEqual(first.value);
    const entries = ((await client.call('journal:list', { name: gone })) as { value: Entry[] }).value;
    expect(entries.filter((e) => e.action === 'cleanup' && e.requestedBy === 'ui')).toHaveLength(1);
  });
});
