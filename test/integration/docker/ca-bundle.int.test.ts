// Certificate sources: the combined CA bundle (Node's roots + the customer's CA file) is written atomically by the
// agent and, when sharing is on, mounted read-only into each vPLC; its hash is part of the spec hash, so a changed
// bundle shows up as a pending change of running vPLCs instead of going unnoticed. Runtime: about 10 s.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCaBundle, VPLC_CA_BUNDLE_PATH } from '../../../electron/lib/certs/bundle.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { createPkiSet, tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-ca`;
const tmp = tempDir('vplc-ca-');
let fx: OrchestratorFixture;
let customerCa = '';

beforeAll(async () => {
  customerCa = (await createPkiSet('07048990')).ca.cert;
  const caFile = tmp.write('customer-ca.pem', customerCa);
  // As the agent passes it from the settings file (orchestrator.shareCaBundle): open() writes the bundle itself.
  fx = await openOrchestrator({ shareCaBundle: { caFile } });
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await fx.orch.settled();
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
});

afterAll(async () => {
  await fx?.dispose();
  tmp.dispose();
});

describe('the combined CA bundle', () => {
  it('is written into the data dir, readable by everyone on the host, and holds the customer CA', async () => {
    const file = path.join(fx.dataDir, 'ca-bundle.pem');
    expect(fx.orch.settings.caBundle).toEqual({ file, sha256: await writeCaBundle(path.join(tmp.dir, 'again.pem'), { caFile: path.join(tmp.dir, 'customer-ca.pem') }) });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    const inside = execFileSync('docker', ['exec', name, 'cat', VPLC_CA_BUNDLE_PATH], { encoding: 'utf8' });
    expect(inside).toContain(customerCa.trim());
    expect((inside.match(/BEGIN CERTIFICATE/g) ?? []).length).toBeGreaterThan(100);
  });

  it('is mounted read-only', () => {
    expect(() => execFileSync('docker', ['exec', name, 'sh', '-c', `echo x >> ${VPLC_CA_BUNDLE_PATH}`], { stdio: 'pipe' })).toThrow(/Read-only file system/);
  });

  it('is in sync with the spec hash, so reconcile has nothing to do', async () => {
    const r = await fx.orch.reconcileOnce();
    expect(r?.pending).toEqual([]);
    expect(r?.actions).toEqual([]);
  });
});
