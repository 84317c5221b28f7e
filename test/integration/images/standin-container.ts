// Helpers for tests that run stand-in runtime containers directly (no orchestrator): the docker CLI, a throwaway
// internal network, HTTP(S) calls to a container's address, and its per-container certificate.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { STANDIN_CERT_PATH, STANDIN_HTTP_PORT, STANDIN_HTTPS_PORT, STANDIN_TLS_NAME } from '../../images/build.js';
import { waitFor } from '../../support/run.js';

const execFileAsync = promisify(execFile);

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('docker', args, { timeout: 90_000 });
  return stdout.trim();
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  body: Buffer;
}

export interface Call {
  ip: string;
  method?: string;
  path: string;
  body?: Buffer;
  headers?: Record<string, string>;
  /** PEM to trust for HTTPS; omit for plain HTTP on 8080. */
  ca?: string | null;
}

export function call({ ip, method = 'GET', path, body, headers = {}, ca }: Call): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const common = { host: ip, method, path, headers, agent: false as const, timeout: 10_000 };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    };
    const req =
      ca === undefined
        ? httpRequest({ ...common, port: STANDIN_HTTP_PORT }, onResponse)
        : httpsRequest(
            { ...common, port: STANDIN_HTTPS_PORT, servername: STANDIN_TLS_NAME, ...(ca === null ? {} : { ca }) },
            onResponse,
          );
    req.on('timeout', () => req.destroy(new Error(`timeout calling ${method} ${path} on ${ip}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A /29 inside `198.19.<third>.0/24`; retried on overlap so parallel runs on one engine do not collide. */
export async function createNetwork(name: string, label: string, third: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const subnet = `198.19.${third}.${randomInt(0, 32) * 8}/29`;
    try {
      await docker('network', 'create', '--internal', '--subnet', subnet, '--label', label, name);
      return;
    } catch (err) {
      if (attempt >= 10 || !/overlap/i.test(String(err))) throw err;
    }
  }
}

export interface Standin {
  name: string;
  ip: string;
}

export async function containerIp(name: string): Promise<string> {
  return docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name);
}

export async function startStandin(opts: {
  image: string;
  name: string;
  network: string;
  label: string;
  runArgs?: readonly string[];
}): Promise<Standin> {
  await docker('run', '-d', '--name', opts.name, '--label', opts.label, '--network', opts.network, ...(opts.runArgs ?? []), opts.image);
  return { name: opts.name, ip: await containerIp(opts.name) };
}

export async function whenListening(s: Standin, timeoutMs = 30_000): Promise<void> {
  const probe = (): Promise<number | string> =>
    call({ ip: s.ip, path: '/json' }).then(
      (r) => r.status,
      (err: unknown) => String(err),
    );
  await waitFor(probe, (v) => v === 200, { timeoutMs, what: `stand-in ${s.name} answering on ${s.ip}` });
}

/** The certificate a container generated at its first start (it exists once the ports answer). */
export async function certOf(s: Standin, workDir: string): Promise<string> {
  const file = join(workDir, `${s.name}.pem`);
  await docker('cp', `${s.name}:${STANDIN_CERT_PATH}`, file);
  return readFile(file, 'utf8');
}

/** Removes every container and the network a test created under `label`. */
export async function removeAll(label: string, network: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${label}`).catch(() => '')).split('\n').filter(Boolean);
  if (ids.length > 0) await docker('rm', '-f', ...ids).catch(() => undefined);
  await docker('network', 'rm', network).catch(() => undefined);
}
