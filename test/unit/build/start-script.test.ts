import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm start without the Electron binary', () => {
  it('says so, points to the headless agent and exits 1', () => {
    // The electron package resolves its binary under this directory, which does not exist: the state of a machine
    // installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1.
    const r = spawnSync(process.execPath, ['scripts/start.mjs'], { encoding: 'utf8', env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('The Electron binary is not installed');
    expect(r.stderr).toContain('npm run agent -- --no-cloud');
  });
});
