import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enableLiveRestore, liveRestoreView } from '../../../../../../electron/workers/orchestrator/docker/live-restore.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-lr-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the live-restore fix', () => {
  it('adds live-restore and keeps every other setting and the file mode', async () => {
    const file = path.join(tmp(), 'daemon.json');
    writeFileSync(file, '{"log-level":"warn","registry-mirrors":["https://mirror.example"],"live-restore":false}\n');
    chmodSync(file, 0o640);
    const r = await enableLiveRestore(file);
    expect(r.changed).toBe(true);
    expect(r.next).toMatch(/systemctl reload docker/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'log-level': 'warn', 'registry-mirrors': ['https://mirror.example'], 'live-restore': true });
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect((await enableLiveRestore(file)).changed).toBe(false);
  });

  it('creates the file when Docker has none', async () => {
    const file = path.join(tmp(), 'daemon.json');
    expect((await liveRestoreView(file, false)).writable).toBe(true);
    await enableLiveRestore(file);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ 'live-restore': true });
  });

  it('leaves a file it cannot understand as it is, and says so', async () => {
    const file = path.join(tmp(), 'daemon.json');
    writeFileSync(file, '{"log-level": "warn",');
    await expect(enableLiveRestore(file)).rejects.toThrow(/is not valid JSON .* left unchanged/);
    expect(readFileSync(file, 'utf8')).toBe('{"log-level": "warn",');
    writeFileSync(file, '["not", "an", "object"]');
    await expect(enableLiveRestore(file)).rejects.toThrow(/does not hold a JSON object/);
  });

  it('offers no one-click change where the agent may not write', async () => {
    const view = await liveRestoreView('/proc/vplc-no-such-dir/daemon.json', false);
    expect(view).toMatchObject({ enabled: false, writable: false });
    expect(view.fix).toMatch(/"live-restore": true in \/proc\/vplc-no-such-dir\/daemon.json/);
    await expect(enableLiveRestore('/proc/vplc-no-such-dir/daemon.json')).rejects.toThrow(/may not change/);
  });
});
