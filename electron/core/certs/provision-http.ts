import https from 'node:https';
import { z } from 'zod';

/** A small HTTPS client for the provisioning endpoints, verifying the server against the cloud link's trust set. */
export interface ProvisionHttpOptions {
  ca: string[];
  timeoutMs?: number;
}

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

const MAX_BODY = 1024 * 1024;

export function provisioningUrl(base: string, route: string): URL {
  const url = new URL(route.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  if (url.protocol !== 'https:') throw new ProvisioningError(`the provisioning URL must use https (got ${url.protocol}//)`);
  return url;
}

export function httpsJson(
  url: URL,
  opts: ProvisionHttpOptions & { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Buffer },
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const agent = new https.Agent({ ca: opts.ca, minVersion: 'TLSv1.2', rejectUnauthorized: true, keepAlive: false });
    const req = https.request(url, { method: opts.method, headers: { accept: 'application/json', ...opts.headers }, agent, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new ProvisioningError(`${url.pathname}: response larger than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as unknown });
        } catch {
          reject(new ProvisioningError(`${url.pathname}: HTTP ${res.statusCode ?? '?'} with a body that is not JSON: ${text.slice(0, 200)}`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new ProvisioningError(`${url.pathname}: no answer within ${opts.timeoutMs ?? 30_000} ms`), { code: 'ETIMEDOUT' })));
    // The cause keeps Node's code (ECONNREFUSED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...) for ./enrol-errors.ts.
    req.on('error', (err) => reject(err instanceof ProvisioningError ? err : new ProvisioningError(`${url.host}: ${err.message}`, { cause: err })));
    req.on('close', () => agent.destroy());
    req.end(opts.body);
  });
}

/** Parses a provisioning answer, naming the failing field. */
export function parseAnswer<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ProvisioningError(`${what}: unexpected answer at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
}

/** `GET /orchestrators/id` (docs/protocol.md §9.1). */
export const IdAnswer = z.object({
  data: z.object({ id: z.string().nullish(), expiresAt: z.string().nullish(), expiresIn: z.number().nullish() }),
});

/** `POST /orchestrators/enroll` (docs/protocol.md §9.3). */
export const EnrollAnswer = z.object({
  statusCode: z.number().optional(),
  data: z.object({ certificate: z.string().nullish(), message: z.string().nullish(), id: z.string().nullish() }),
});

/** One multipart/form-data body holding the single file part the enrol endpoint expects. */
export function multipartFile(field: string, filename: string, content: string, contentType: string): { body: Buffer; contentType: string } {
  const boundary = `----vplc${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`;
  return { body: Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}
