// `enroll` on the command line names the cause and fix of a failure the same way the UI does (here: a provisioning
// address nothing listens on, a real refused connection on loopback).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEnroll } from '../../../../electron/cli/enroll.js';
import { tempDir } from '../../../support/pki.js';
import { unusedLoopbackPort } from '../../../support/ports.js';

const tmp = tempDir('vplc-cli-enroll-errors-');
afterAll(() => tmp.dispose());


describe('enroll: errors', () => {
  it('says the provisioning address cannot be reached and what to check', async () => {
    const port = await unusedLoopbackPort();
    const err: string[] = [];
    const code = await runEnroll(['--mtls-dir', path.join(tmp.dir, 'mtls'), '--provision-url', `https://127.0.0.1:${port}/provision`, '--key-bits', '2048'], { out: () => undefined, err: (l) => void err.push(l) }, {});
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check the provisioning URL`));
  });
});
