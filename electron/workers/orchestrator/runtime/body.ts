/**
 * Request side of the runtime proxy (docs/protocol.md §4.4 rules 6–9): headers, query string and body
 * (JSON, form, raw string or multipart), built from a possibly malformed request without throwing
 * anything but plain `Error`s with a readable message.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';

/** Ordered request headers; the caller's name case is kept. */
export type HeaderList = Array<[string, string]>;

export type PreparedBody = { headers: HeaderList; body: Buffer | undefined };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Python truthiness of a JSON value: null, false, 0, "", {} and [] are falsy. */
export function isTruthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

function scalarToString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/** Key/value pairs of an object for a query string or form: a list repeats the key, null values are left out. */
export function toPairs(obj: Record<string, unknown>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(obj)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === undefined || v === null) continue;
      pairs.push([key, scalarToString(v)]);
    }
  }
  return pairs;
}

/** `params` as an urlencoded query (without `?`); empty when there is nothing to send. */
export function buildQuery(params: unknown): string {
  if (!isPlainObject(params) || !isTruthy(params)) return '';
  return new URLSearchParams(toPairs(params)).toString();
}

/** The caller's headers: strings kept, numbers and booleans stringified, anything else left out; names and values validated. */
export function normaliseHeaders(headers: unknown): HeaderList {
  if (!isPlainObject(headers)) return [];
  const list: HeaderList = [];
  for (const [name, value] of Object.entries(headers)) {
    let v: string;
    if (typeof value === 'string') v = value;
    else if (typeof value === 'number' || typeof value === 'boolean') v = String(value);
    else continue;
    validateHeaderName(name);
    validateHeaderValue(name, v);
    list.push([name, v]);
  }
  return list;
}

export function findHeader(headers: HeaderList, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export function withoutHeaders(headers: HeaderList, ...names: string[]): HeaderList {
  const lower = new Set(names.map((n) => n.toLowerCase()));
  return headers.filter(([n]) => !lower.has(n.toLowerCase()));
}

/** The media type of a Content-Type value: lower-cased, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** application/json and application/*+json. */
export function isJsonMediaType(mt: string): boolean {
  return mt === 'application/json' || (mt.startsWith('application/') && mt.endsWith('+json'));
}

type FilePart = { field: string; filename: string; content: Buffer; contentType: string };

function fileParts(files: unknown): FilePart[] {
  if (!isPlainObject(files)) return [];
  const parts: FilePart[] = [];
  for (const [field, entry] of Object.entries(files)) {
    if (typeof entry === 'string') {
      if (entry === '') continue;
      parts.push({ field, filename: field, content: Buffer.from(entry, 'utf8'), contentType: 'application/octet-stream' });
      continue;
    }
    if (!isPlainObject(entry)) continue;
    const b64 = entry['content_base64'];
    if (typeof b64 !== 'string' || b64 === '') continue;
    const filename = entry['filename'];
    const contentType = entry['content_type'];
    parts.push({
      field,
      filename: typeof filename === 'string' && filename !== '' ? filename : field,
      content: Buffer.from(b64, 'base64'),
      contentType: typeof contentType === 'string' && contentType !== '' ? contentType : 'application/octet-stream',
    });
  }
  return parts;
}

async function multipart(fields: Array<[string, string]>, parts: FilePart[]): Promise<{ contentType: string; body: Buffer }> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  for (const p of parts) form.append(p.field, new Blob([p.content], { type: p.contentType }), p.filename);
  const encoded = new Response(form);
  const contentType = encoded.headers.get('content-type');
  if (contentType === null) throw new Error('multipart encoding produced no Content-Type');
  return { contentType, body: Buffer.from(await encoded.arrayBuffer()) };
}

/**
 * Headers and body for the runtime request (§4.4 rules 7–9). Any caller Content-Length or
 * Transfer-Encoding is dropped and a body always carries its own Content-Length: node:http would
 * otherwise send a DELETE/OPTIONS/HEAD body unframed.
 */
export async function prepareBody(data: unknown, files: unknown, rawHeaders: unknown): Promise<PreparedBody> {
  const prepared = await prepareUnframed(data, files, rawHeaders);
  if (prepared.body === undefined) return prepared;
  return { headers: [...prepared.headers, ['Content-Length', String(prepared.body.length)]], body: prepared.body };
}

async function prepareUnframed(data: unknown, files: unknown, rawHeaders: unknown): Promise<PreparedBody> {
  let headers = withoutHeaders(normaliseHeaders(rawHeaders), 'content-length', 'transfer-encoding');
  const parts = fileParts(files);
  if (parts.length > 0) {
    // Object data rides along as form fields; other data cannot, and is dropped like the reference does.
    const fields = isPlainObject(data) ? toPairs(data) : [];
    const { contentType, body } = await multipart(fields, parts);
    headers = [...withoutHeaders(headers, 'content-type'), ['Content-Type', contentType]];
    return { headers, body };
  }
  if (!isTruthy(data)) return { headers, body: undefined };
  const contentType = findHeader(headers, 'content-type');
  if (contentType === undefined || isJsonMediaType(mediaType(contentType))) {
    const json = JSON.stringify(data);
    if (json === undefined) return { headers, body: undefined };
    if (contentType === undefined) headers = [...headers, ['Content-Type', 'application/json']];
    return { headers, body: Buffer.from(json, 'utf8') };
  }
  if (typeof data === 'string') return { headers, body: Buffer.from(data, 'utf8') };
  if (isPlainObject(data)) return { headers, body: Buffer.from(new URLSearchParams(toPairs(data)).toString(), 'utf8') };
  return { headers, body: Buffer.from(scalarToString(data), 'utf8') };
}
