/** The simulator's provisioning endpoints (docs/protocol.md §9.1, §9.3) on their own HTTPS server (no client certificate). */
import { randomInt, X509Certificate } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Pem, TestCa } from '../support/pki.js';

const CSR_RE = /-----BEGIN CERTIFICATE REQUEST-----[\s\S]+?-----END CERTIFICATE REQUEST-----/;

export interface ProvisioningRecord {
  ids: string[];
  enrolments: Array<{ id: string; ok: boolean; error?: string }>;
}

export interface ProvisioningOptions {
  host: string;
  port: number;
  ca: TestCa;
  server: Pem;
  idTtlSec: number;
  nextId?: () => string;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startProvisioning(opts: ProvisioningOptions): Promise<{ url: string; record: ProvisioningRecord; close(): Promise<void> }> {
  const record: ProvisioningRecord = { ids: [], enrolments: [] };
  const nextId = opts.nextId ?? (() => String(randomInt(0, 100_000_000)).padStart(8, '0'));
  const server = https.createServer({ key: opts.server.key, cert: opts.server.cert, minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1024 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        if (req.method === 'GET' && req.url === '/orchestrators/id') {
          const id = nextId();
          record.ids.push(id);
          return send(res, 200, { data: { id, expiresAt: new Date(Date.now() + opts.idTtlSec * 1000).toISOString(), expiresIn: opts.idTtlSec } });
        }
        if (req.method === 'POST' && req.url === '/orchestrators/enroll') {
          const text = Buffer.concat(chunks).toString('utf8');
          const csr = /name="csr"; filename="client\.csr"/.test(text) ? CSR_RE.exec(text)?.[0] : undefined;
          if (!csr) {
            record.enrolments.push({ id: '', ok: false, error: 'no csr part' });
            return send(res, 400, { statusCode: 400, message: 'multipart part "csr" (client.csr) with a PEM CSR is required' });
          }
          try {
            const certificate = await opts.ca.signCsr(csr);
            const id = /CN=([^,\n]+)/.exec(new X509Certificate(certificate).subject.replace(/\n/g, ','))?.[1] ?? '';
            if (!record.ids.includes(id)) throw new Error(`unknown orchestrator id ${id}`);
            record.enrolments.push({ id, ok: true });
            return send(res, 200, { statusCode: 200, data: { certificate, message: 'Certificate issued', id } });
          } catch (err) {
            record.enrolments.push({ id: '', ok: false, error: (err as Error).message });
            return send(res, 400, { statusCode: 400, message: (err as Error).message });
          }
        }
        send(res, 404, { statusCode: 404, message: 'not found' });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${opts.host}:${port}`,
    record,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
