// HS256 JSON Web Tokens with node:crypto, and the error answers flask_jwt_extended (PyJWT) gives for bad ones.
import { createHmac, timingSafeEqual } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

export function signJwt(claims, secret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

// Python's UnicodeDecodeError text for the first invalid UTF-8 sequence, e.g.
// "'utf-8' codec can't decode byte 0xb7 in position 1: invalid start byte".
function utf8Error(buf) {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i];
    const need = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    const hex = `0x${b.toString(16).padStart(2, '0')}`;
    if (need < 0) return `'utf-8' codec can't decode byte ${hex} in position ${i}: invalid start byte`;
    for (let k = 1; k <= need; k++) {
      if (i + k >= buf.length) return `'utf-8' codec can't decode byte ${hex} in position ${i}: unexpected end of data`;
      if ((buf[i + k] & 0xc0) !== 0x80) return `'utf-8' codec can't decode byte ${hex} in position ${i}: invalid continuation byte`;
    }
    i += need + 1;
  }
  return null;
}

function decodeSegment(segment) {
  if (!/^[A-Za-z0-9_-]*$/.test(segment)) return { error: 'padding' };
  return { bytes: Buffer.from(segment, 'base64url') };
}

/**
 * Checks a bearer token. Answers `{ claims }` or `{ status, msg }` with the runtime's status code and message:
 * 422 for a token that does not decode or verify, 401 for an expired one.
 */
export function verifyJwt(token, secret, nowS = Math.floor(Date.now() / 1000)) {
  const parts = token.split('.');
  if (parts.length < 3) return { status: 422, msg: 'Not enough segments' };
  const [h, p, s] = parts.length === 3 ? parts : [parts[0], parts.slice(1, -1).join('.'), parts.at(-1)];
  const header = decodeSegment(h);
  if (header.error) return { status: 422, msg: 'Invalid header padding' };
  const bad = utf8Error(header.bytes);
  if (bad) return { status: 422, msg: `Invalid header string: ${bad}` };
  let headerObj;
  try {
    headerObj = JSON.parse(header.bytes.toString('utf8'));
  } catch {
    return { status: 422, msg: 'Invalid header string: Expecting value: line 1 column 1 (char 0)' };
  }
  if (!headerObj || typeof headerObj !== 'object' || Array.isArray(headerObj)) {
    return { status: 422, msg: 'Invalid header string: must be a json object' };
  }
  const payload = decodeSegment(p);
  if (payload.error) return { status: 422, msg: 'Invalid payload padding' };
  if (headerObj.alg !== 'HS256') return { status: 422, msg: 'The specified alg value is not allowed' };
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { status: 422, msg: 'Signature verification failed' };
  }
  let claims;
  try {
    claims = JSON.parse(payload.bytes.toString('utf8'));
  } catch {
    return { status: 422, msg: 'Invalid payload string: must be a json object' };
  }
  if (typeof claims.exp === 'number' && claims.exp <= nowS) return { status: 401, msg: 'Token has expired' };
  return { claims };
}
