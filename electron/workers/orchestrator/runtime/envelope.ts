/**
 * Response side of the runtime proxy (docs/protocol.md §4.4 "Response envelope"): headers with the server's
 * name case, and the body decoded as JSON, text or base64.
 */
import { mediaType } from './body.js';
import type { HttpResponseEnvelope, RunCommandResult } from './types.js';

/** Response headers from `rawHeaders`: first-seen name case kept, repeated headers joined with ", ". */
export function collapseRawHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const byLower = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    const seen = byLower.get(lower);
    if (seen === undefined) byLower.set(lower, { name, values: [value] });
    else seen.values.push(value);
  }
  // Object.fromEntries defines own properties, so a header named "__proto__" cannot touch the prototype.
  return Object.fromEntries([...byLower.values()].map(({ name, values }) => [name, values.join(', ')]));
}

/** The first value of a raw header, looked up case-insensitively. */
export function rawHeader(rawHeaders: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === lower) return rawHeaders[i + 1];
  }
  return undefined;
}

const TEXTUAL_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/x-www-form-urlencoded',
]);

/** text/*, JSON, XML, JavaScript or form-urlencoded. */
export function isTextualMediaType(mt: string): boolean {
  return mt.startsWith('text/') || TEXTUAL_TYPES.has(mt) || mt.endsWith('+json') || mt.endsWith('+xml');
}

function utf8OrUndefined(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

type DecodedBody = Pick<HttpResponseEnvelope, 'body' | 'content_type' | 'body_encoding'>;

/**
 * JSON when it parses; base64 when it is not UTF-8 or its declared media type is not textual;
 * text otherwise. An empty body, or one with no Content-Type, is text unless it is not UTF-8.
 */
export function decodeBody(bytes: Buffer, contentTypeHeader: string | undefined): DecodedBody {
  const text = utf8OrUndefined(bytes);
  if (text !== undefined) {
    try {
      return { body: JSON.parse(text) as unknown, content_type: 'application/json' };
    } catch {
      // not JSON
    }
  }
  const mt = mediaType(contentTypeHeader);
  const declaredBinary = bytes.length > 0 && mt !== '' && !isTextualMediaType(mt);
  if (text === undefined || declaredBinary) {
    return { body: bytes.toString('base64'), content_type: mt === '' ? 'application/octet-stream' : mt, body_encoding: 'base64' };
  }
  return { body: text, content_type: 'text/plain' };
}

export function envelopeFromResponse(statusCode: number, rawHeaders: readonly string[], body: Buffer): HttpResponseEnvelope {
  const decoded = decodeBody(body, rawHeader(rawHeaders, 'content-type'));
  const envelope: HttpResponseEnvelope = {
    status_code: statusCode,
    headers: collapseRawHeaders(rawHeaders),
    ok: statusCode < 400,
    body: decoded.body,
    content_type: decoded.content_type,
  };
  if (decoded.body_encoding !== undefined) envelope.body_encoding = decoded.body_encoding;
  return envelope;
}

/** A response the agent makes up (bad method, allow-list, transport failure, timeout, size cap). */
export function syntheticEnvelope(statusCode: number, error: string): HttpResponseEnvelope {
  return { status_code: statusCode, headers: {}, ok: false, body: { error }, content_type: 'application/json' };
}

export function resultOf(envelope: HttpResponseEnvelope): RunCommandResult {
  return { status: envelope.ok ? 'success' : 'error', http_response: envelope };
}
