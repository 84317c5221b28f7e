// `enroll` on the command line names the cause and fix of a failure the same way the UI does (here: a provisioning
// address nothing listens on, a real refused connection on loopback).
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEnroll } from '../../../../electron/cli/enroll.js';
import { tempDir } from '../../../support/pki.js';

const tmp = tempDir('vplc-cli-enroll-errors-');
afterAll(() => tmp.dispose());

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('enroll: errors', () => {
  it('says the provisioning address cannot be reached and what to check', async () => {
    const port = await closedPort();
    const err: string[] = [];
    const code = await runEnroll(['--mtls-dir', path.join(tmp.dir, 'mtls'), '--provision-url', `https://127.0.0.1:${port}/provision`, '--key-bits', '2048'], { out: () => undefined, err: (l) => void err.push(l) }, {});
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\); check the provisioning URL`));
  });
});
