// A self-signed X.509 certificate built with node:crypto alone (the stand-in image holds only the node binary).
// Shaped like the real runtime's: RSA-2048, SHA-256, subject = issuer = CN, basicConstraints CA (critical),
// subjectAltName with DNS names and IP addresses, valid for 365 days.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';

function length(n) {
  if (n < 0x80) return Buffer.from([n]);
  const bytes = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag, ...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...parts) => tlv(0x30, ...parts);
const set = (...parts) => tlv(0x31, ...parts);
const explicit = (n, ...parts) => tlv(0xa0 | n, ...parts);
const octets = (buf) => tlv(0x04, buf);
const bool = (v) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (text) => tlv(0x0c, Buffer.from(text, 'utf8'));
const nul = () => Buffer.from([0x05, 0x00]);

function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const v of rest) {
    const chunk = [v & 0x7f];
    for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift(0x80 | (x & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps the sign bit clear). */
function uint(buf) {
  let b = buf;
  while (b.length > 1 && b[0] === 0 && b[1] < 0x80) b = b.subarray(1);
  return tlv(0x02, b[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function utcTime(date) {
  const p = (n) => String(n).padStart(2, '0');
  const text = `${p(date.getUTCFullYear() % 100)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(text, 'ascii'));
}

function ipBytes(ip) {
  if (!isIPv4(ip)) throw new Error(`only IPv4 addresses are supported in the stand-in certificate: ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

const SHA256_WITH_RSA = seq(oid('1.2.840.113549.1.1.11'), nul());

/** { certPem, keyPem (PKCS#8) } of a fresh key and a certificate for `cn`. */
export function selfSignedCertificate(cn, { dns = [cn], ips = [] } = {}) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const name = seq(set(seq(oid('2.5.4.3'), utf8(cn))));
  const now = new Date();
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const altNames = seq(
    ...dns.map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...ips.map((ip) => tlv(0x87, ipBytes(ip))),
  );
  const extensions = explicit(
    3,
    seq(
      seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true)))),
      seq(oid('2.5.29.17'), octets(altNames)),
    ),
  );
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(serial),
    SHA256_WITH_RSA,
    name,
    seq(utcTime(notBefore), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, SHA256_WITH_RSA, tlv(0x03, Buffer.from([0]), signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Name in the certificate (CN and subjectAltName). */
export const TLS_NAME = 'openplc-runtime';

/**
 * The container's key and certificate from `dir`, generated on first use. They appear together or not at all: a kill
 * during generation leaves only a temp directory.
 */
export function loadOrGenerateTls(dir, onGenerate = () => undefined) {
  if (!existsSync(`${dir}/cert.pem`) || !existsSync(`${dir}/key.pem`)) {
    onGenerate();
    const { certPem, keyPem } = selfSignedCertificate(TLS_NAME, { dns: [TLS_NAME, 'localhost'], ips: ['127.0.0.1'] });
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    writeFileSync(`${tmp}/key.pem`, keyPem, { mode: 0o600 });
    writeFileSync(`${tmp}/cert.pem`, certPem, { mode: 0o644 });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  return { cert: readFileSync(`${dir}/cert.pem`), key: readFileSync(`${dir}/key.pem`) };
}
