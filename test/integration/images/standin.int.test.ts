// Integration: the stand-in OpenPLC runtime image (test/images): TLS, signals, test helpers. The runtime API itself is
// checked against the recorded fixtures in standin-contract.int.test.ts.
// Needs dockerd and the local test images (built here when missing or stale).
// Runtime: about 20 s on 2 cores; seven short-lived containers on one throwaway internal bridge network.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTestImages, STANDIN_CRASHY_IMAGE, STANDIN_IMAGE, STANDIN_STUBBORN_IMAGE, STANDIN_TLS_NAME } from '../../images/build.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, TEST_LABEL } from '../../support/run.js';
import { call, certOf as certIn, createNetwork, docker, removeAll, startStandin as startIn, whenListening, type Standin } from './standin-container.js';

const run = newRunId();
const prefix = `vt-${run}-`;
const runLabel = `${TEST_LABEL}=${run}`;

describe('stand-in OpenPLC runtime image', () => {
  const network = `${prefix}net`;
  let workDir = '';
  let ca = '';
  let main: Standin;

  const startStandin = (image: string, suffix: string, runArgs: readonly string[] = []): Promise<Standin> =>
    startIn({ image, name: `${prefix}${suffix}`, network, label: runLabel, runArgs });
  const certOf = (s: Standin): Promise<string> => certIn(s, workDir);

  beforeAll(async () => {
    requireDocker();
    await ensureTestImages(() => undefined);
    workDir = await mkdtemp(join(tmpdir(), `${prefix}standin-`));
    await createNetwork(network, runLabel, 250);
    main = await startStandin(STANDIN_IMAGE, 'main');
    await whenListening(main);
    ca = await certOf(main);
  });

  afterAll(async () => {
    await removeAll(runLabel, network);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('creates its first user and issues a JWT on POST /api/login over HTTPS verified against its own certificate', async () => {
    const json = { 'Content-Type': 'application/json' };
    const user = Buffer.from('{"username":"u","password":"p"}');
    const created = await call({ ip: main.ip, method: 'POST', path: '/api/create-user', ca, headers: json, body: user });
    expect(created.status).toBe(201);

    const r = await call({ ip: main.ip, method: 'POST', path: '/api/login', ca, headers: json, body: user });

    expect(r.status).toBe(200);
    const token = (JSON.parse(r.body.toString()) as { access_token: unknown }).access_token;
    expect(String(token)).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const status = await call({ ip: main.ip, path: '/api/status', ca, headers: { Authorization: `Bearer ${String(token)}` } });
    expect(JSON.parse(status.body.toString())).toEqual({ status: 'STATUS:EMPTY' });
  });

  it('fails the TLS handshake for a client that does not trust the stand-in certificate', async () => {
    await expect(call({ ip: main.ip, method: 'POST', path: '/api/login', ca: null })).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it('echoes a non-UTF-8 body byte for byte with its query, method and raw header names', async () => {
    const payload = Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x80, 0xc3]);
    const r = await call({
      ip: main.ip,
      method: 'PUT',
      path: '/echo/some/where?a=1&a=2&b=x',
      ca,
      body: payload,
      headers: { 'Content-Type': 'application/octet-stream', 'X-Mixed-Case': 'kept' },
    });

    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body.toString()) as Record<string, unknown>;
    expect(echo).toMatchObject({
      method: 'PUT',
      path: '/echo/some/where',
      query: { a: ['1', '2'], b: 'x' },
      body_length: payload.length,
      content_type: 'application/octet-stream',
    });
    expect(Buffer.from(String(echo['body_base64']), 'base64')).toEqual(payload);
    expect(echo['headers']).toMatchObject({ 'X-Mixed-Case': 'kept' });
  });

  it('serves the same API over plain HTTP on 8080', async () => {
    const r = await call({ ip: main.ip, path: '/text' });

    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello from stand-in');
  });

  it('answers /binary with the deterministic byte pattern', async () => {
    const r = await call({ ip: main.ip, path: '/binary?size=300', ca });

    expect(r.headers['content-type']).toBe('application/octet-stream');
    expect([...r.body]).toEqual(Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff));
  });

  it('generates its certificate per container: new for a new container, kept across a restart (like the real runtime)', async () => {
    const other = await startStandin(STANDIN_IMAGE, 'other');
    await whenListening(other);
    const otherCert = await certOf(other);
    const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
    expect(fingerprint(otherCert)).not.toBe(fingerprint(ca));
    // Each container serves its own certificate: the other one's does not verify it.
    await expect(call({ ip: other.ip, path: '/json', ca })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect((await call({ ip: other.ip, path: '/json', ca: otherCert })).status).toBe(200);

    await docker('restart', '--time', '1', other.name); // as PID 1 it ignores SIGTERM: killed after 1 s
    const ip = await docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', other.name);
    await whenListening({ ...other, ip });
    expect(fingerprint(await certOf(other))).toBe(fingerprint(otherCert));
    expect((await call({ ip, path: '/json', ca: otherCert })).status).toBe(200);
    // The shape of the real runtime's certificate: self-signed RSA-2048, a CA, names in the SAN.
    const x = new X509Certificate(otherCert);
    expect(x.subject).toBe(`CN=${STANDIN_TLS_NAME}`);
    expect(x.issuer).toBe(x.subject);
    expect(x.ca).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x.subjectAltName).toContain(`DNS:${STANDIN_TLS_NAME}`);
  });

  it('exits with the code requested by POST /standin/exit', async () => {
    const s = await startStandin(STANDIN_IMAGE, 'exit');
    await whenListening(s);

    const r = await call({ ip: s.ip, method: 'POST', path: '/standin/exit?code=7', ca: await certOf(s) });

    expect(r.status).toBe(200);
    expect(await docker('wait', s.name)).toBe('7');
  });

  /** `docker stop --time <t>` of a running container: its wall time and exit code. */
  async function timedStop(name: string, timeSec: number): Promise<{ seconds: number; exitCode: string }> {
    const started = performance.now();
    await docker('stop', '--time', String(timeSec), name);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, exitCode: await docker('inspect', '-f', '{{.State.ExitCode}}', name) };
  }

  it('ignores SIGTERM as PID 1 like the real runtime: docker stop waits out its timeout and kills (137)', async () => {
    const s = await startStandin(STANDIN_IMAGE, 'pid1');
    await whenListening(s);

    const stop = await timedStop(s.name, 2);
    console.log(`stand-in as PID 1: docker stop --time 2 took ${stop.seconds.toFixed(2)} s, exit ${stop.exitCode}`);

    expect(stop.exitCode).toBe('137');
    expect(stop.seconds).toBeGreaterThanOrEqual(2);
    expect(await docker('logs', s.name)).toContain('SIGTERM received, ignored (PID 1)');
  });

  it('ends on SIGTERM under --init (tini as PID 1): a quick stop, exit 143', async () => {
    const s = await startStandin(STANDIN_IMAGE, 'init', ['--init']);
    await whenListening(s);

    const stop = await timedStop(s.name, 30);
    console.log(`stand-in under --init: docker stop took ${stop.seconds.toFixed(2)} s, exit ${stop.exitCode}`);

    expect(stop.exitCode).toBe('143');
    expect(stop.seconds).toBeLessThan(30);
  });

  it('stubborn variant ignores SIGTERM even under --init: killed after the timeout (137)', async () => {
    const s = await startStandin(STANDIN_STUBBORN_IMAGE, 'stubborn', ['--init']);
    await whenListening(s);

    const stop = await timedStop(s.name, 2);
    console.log(`stubborn stand-in under --init: docker stop --time 2 took ${stop.seconds.toFixed(2)} s, exit ${stop.exitCode}`);

    expect(stop.exitCode).toBe('137');
    expect(stop.seconds).toBeGreaterThanOrEqual(2);
    expect(await docker('logs', s.name)).toContain('SIGTERM received, ignored (STANDIN_IGNORE_SIGTERM=1)');
  });

  it('crashy variant exits 1 on its own', async () => {
    const s = await startStandin(STANDIN_CRASHY_IMAGE, 'crashy');

    expect(await docker('wait', s.name)).toBe('1');
  });
});
