// Stand-in for the OpenPLC v4 runtime API, run as PID 1 inside the test image (or under Docker's init).
// Node built-ins only: the image holds nothing but the node binary and its libraries.
//
// HTTPS on 8443 and plain HTTP on 8080, same routes. Like the real runtime, the self-signed certificate is generated
// on the first start of a container (in its writable layer, /var/lib/standin/tls): kept across restarts of that
// container, new for every new container.
// Switches come from /etc/standin/config.json, then from the environment (env wins):
//   STANDIN_LISTEN_DELAY_MS  delay before the ports open (default 0)
//   STANDIN_NEVER_LISTEN     1 = never open the ports
//   STANDIN_BURN             1 = burn one core from the start
//   STANDIN_EXIT_AFTER_MS    exit(1) this many ms after the ports are open (after the start when they never open):
//                            a runtime that serves, then crashes, however slow the host is to start it
//   STANDIN_IGNORE_SIGTERM   1 = ignore SIGTERM and SIGINT also when not PID 1 (as PID 1 they are always ignored)
//   STANDIN_VARIANT          free-form name reported by GET /standin/info
// For running outside the image: STANDIN_CONFIG, STANDIN_TLS_DIR, STANDIN_HTTPS_PORT, STANDIN_HTTP_PORT.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { selfSignedCertificate } from './tls-cert.mjs';
import { Worker } from 'node:worker_threads';

const MAX_GENERATED_BYTES = 256 * 1024 * 1024;

function loadConfig() {
  const file = process.env.STANDIN_CONFIG ?? '/etc/standin/config.json';
  let fromFile = {};
  try {
    fromFile = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (err.code !== 'ENOENT') console.error(`standin: ignoring ${file}: ${err.message}`);
  }
  const merged = { ...fromFile };
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('STANDIN_')) merged[key] = value;
  }
  return merged;
}

const config = loadConfig();
const intSetting = (key, fallback) => {
  const n = Number.parseInt(String(config[key] ?? ''), 10);
  return Number.isFinite(n) ? n : fallback;
};
const flag = (key) => ['1', 'true', 'yes'].includes(String(config[key] ?? '').toLowerCase());

function log(line) {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

// Like the real runtime, whose PID 1 is a bash script: as PID 1 (no init) SIGTERM and SIGINT are ignored, so
// `docker stop` waits out its timeout and kills (137). Under an init (`docker run --init`) SIGTERM ends the process the
// default way (143 through tini), unless STANDIN_IGNORE_SIGTERM=1: a runtime that does not shut down in time.
const ignoreSignals = process.pid === 1 || flag('STANDIN_IGNORE_SIGTERM');
if (ignoreSignals) {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => log(`${signal} received, ignored (${process.pid === 1 ? 'PID 1' : 'STANDIN_IGNORE_SIGTERM=1'})`));
  }
}

// A busy loop in a worker thread, so the event loop keeps answering while a core burns.
function burn(ms) {
  const source = `
    const { workerData } = require('node:worker_threads');
    const end = workerData.ms < 0 ? Infinity : Date.now() + workerData.ms;
    let x = 0;
    while (Date.now() < end) { for (let i = 0; i < 1e6; i++) x = (x * 31 + i) | 0; }
  `;
  const worker = new Worker(source, { eval: true, workerData: { ms } });
  worker.unref();
  return worker;
}

function queryObject(searchParams) {
  const out = {};
  for (const key of new Set(searchParams.keys())) {
    const values = searchParams.getAll(key);
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function rawHeaderObject(rawHeaders) {
  const out = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const value = rawHeaders[i + 1];
    const prev = out[name];
    out[name] = prev === undefined ? value : [].concat(prev, value);
  }
  return out;
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sizeParam(url, fallback) {
  const n = Number.parseInt(url.searchParams.get('size') ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, MAX_GENERATED_BYTES) : fallback;
}

// Streams `size` bytes produced by `fill` in 64 KiB chunks, honouring backpressure.
function sendGenerated(res, contentType, size, fill) {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': size });
  let offset = 0;
  const pump = () => {
    while (offset < size) {
      const chunk = Buffer.allocUnsafe(Math.min(65536, size - offset));
      fill(chunk, offset);
      offset += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

// Byte i = (i*7+3) & 0xff: every byte value appears (0xfe and 0xff included), so it is never valid UTF-8.
function binaryFill(chunk, offset) {
  for (let i = 0; i < chunk.length; i++) chunk[i] = ((offset + i) * 7 + 3) & 0xff;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://standin.invalid');
  const route = `${req.method} ${url.pathname}`;
  const body = await readBody(req);

  if (url.pathname === '/echo' || url.pathname.startsWith('/echo/')) {
    return sendJson(res, 200, {
      method: req.method,
      path: url.pathname,
      query: queryObject(url.searchParams),
      headers: rawHeaderObject(req.rawHeaders),
      raw_headers: req.rawHeaders,
      body_base64: body.toString('base64'),
      body_length: body.length,
      content_type: req.headers['content-type'] ?? null,
    });
  }

  switch (route) {
    case 'POST /api/login':
      return sendJson(res, 200, { access_token: randomBytes(24).toString('base64url'), token_type: 'bearer' });
    case 'GET /binary':
      return sendGenerated(res, 'application/octet-stream', sizeParam(url, 256), binaryFill);
    case 'GET /big':
      return sendGenerated(res, 'text/plain', sizeParam(url, 1024), (chunk) => chunk.fill(0x61));
    case 'GET /text':
      return sendText(res, 200, 'hello from stand-in');
    case 'GET /json':
      return sendJson(res, 200, { result: 'ok' });
    case 'GET /slow': {
      const ms = Math.max(0, Number.parseInt(url.searchParams.get('ms') ?? '0', 10) || 0);
      const timer = setTimeout(() => sendJson(res, 200, { slept: ms }), ms);
      res.on('close', () => clearTimeout(timer));
      return undefined;
    }
    case 'GET /redirect': {
      const to = url.searchParams.get('to');
      if (!to) return sendJson(res, 400, { error: 'missing ?to=' });
      res.writeHead(302, { Location: to, 'Content-Length': 0 });
      return res.end();
    }
    case 'GET /headers-multi':
      res.setHeader('X-Multi', ['first', 'second']);
      res.setHeader('X-Custom-Case', 'yes');
      return sendJson(res, 200, { result: 'ok' });
    case 'GET /standin/info':
      return sendJson(res, 200, { variant: config.STANDIN_VARIANT ?? null, pid: process.pid, uptime_s: process.uptime() });
    case 'POST /api/exit': {
      const code = Number.parseInt(url.searchParams.get('code') ?? '0', 10) || 0;
      sendJson(res, 200, { exiting: code });
      setTimeout(() => {
        log(`exit requested, code ${code}`);
        process.exit(code);
      }, 50);
      return undefined;
    }
    case 'POST /api/burn': {
      const ms = Math.max(0, Number.parseInt(url.searchParams.get('ms') ?? '1000', 10) || 0);
      burn(ms);
      return sendJson(res, 202, { burning_ms: ms });
    }
    default:
      return sendJson(res, 404, { error: 'not found' });
  }
}

function onRequest(scheme) {
  return (req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      log(`${scheme} ${req.socket.remoteAddress ?? '-'} ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    });
    handle(req, res).catch((err) => {
      log(`${scheme} ${req.method} ${req.url} failed: ${err.message}`);
      if (!res.headersSent) sendJson(res, 500, { error: err.message });
      else res.destroy();
    });
  };
}

// The key and certificate appear together or not at all: a kill during generation leaves only a temp directory.
function loadOrGenerateTls(dir) {
  if (!existsSync(`${dir}/cert.pem`) || !existsSync(`${dir}/key.pem`)) {
    log('Generating https certificate...');
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

const TLS_NAME = 'openplc-runtime';

function listen(onOpen) {
  const httpsPort = intSetting('STANDIN_HTTPS_PORT', 8443);
  const httpPort = intSetting('STANDIN_HTTP_PORT', 8080);
  const tls = loadOrGenerateTls(process.env.STANDIN_TLS_DIR ?? '/var/lib/standin/tls');
  let open = 0;
  const opened = (what) => () => {
    log(`listening ${what}`);
    if (++open === 2) onOpen();
  };
  createHttpsServer(tls, onRequest('https')).listen(httpsPort, opened(`https :${httpsPort}`));
  createHttpServer(onRequest('http')).listen(httpPort, opened(`http :${httpPort}`));
}

log(`stand-in starting (pid ${process.pid}, variant ${config.STANDIN_VARIANT ?? '-'})`);

const exitAfter = intSetting('STANDIN_EXIT_AFTER_MS', 0);
const armExit = () => {
  if (exitAfter <= 0) return;
  setTimeout(() => {
    log(`STANDIN_EXIT_AFTER_MS=${exitAfter} reached, exiting 1`);
    process.exit(1);
  }, exitAfter);
};

if (flag('STANDIN_BURN')) {
  log('STANDIN_BURN=1: burning one core');
  burn(-1);
}

if (flag('STANDIN_NEVER_LISTEN')) {
  log('STANDIN_NEVER_LISTEN=1: ports stay closed');
  armExit();
  // Keep the process alive with nothing listening.
  setInterval(() => {}, 1 << 30);
} else {
  setTimeout(() => listen(armExit), Math.max(0, intSetting('STANDIN_LISTEN_DELAY_MS', 0)));
}
