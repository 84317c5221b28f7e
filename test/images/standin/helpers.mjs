// Test-only routes, NOT part of the real runtime, and needing no auth: HTTP helpers for the run_command proxy tests
// (/echo, /binary, /big, /text, /json, /slow, /redirect, /headers-multi) and switches under /standin/ (info, exit,
// burn, crash, overruns, debug-delay).
import { Worker } from 'node:worker_threads';
import { send } from './http.mjs';

const MAX_GENERATED_BYTES = 256 * 1024 * 1024;

// A busy loop in a worker thread, so the event loop keeps answering while a core burns.
export function burn(ms) {
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

const sendJson = (res, status, body) => send(res, status, 'application/json', JSON.stringify(body), { runtimeHeader: false });

function sizeParam(url, fallback) {
  const n = Number.parseInt(url.searchParams.get('size') ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? Math.min(n, MAX_GENERATED_BYTES) : fallback;
}

const msParam = (url, fallback) => Math.max(0, Number.parseInt(url.searchParams.get('ms') ?? String(fallback), 10) || 0);

// Streams `size` bytes produced by `fill` in 64 KiB chunks, honouring backpressure.
function sendGenerated(res, contentType, size, fill) {
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': size, Connection: 'close' });
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

/** Answers a helper route; false when the path is not one. */
export function createHelpers({ config, plc, debug, log }) {
  return function handleHelper(req, res, url, body) {
    if (url.pathname === '/echo' || url.pathname.startsWith('/echo/')) {
      sendJson(res, 200, {
        method: req.method,
        path: url.pathname,
        query: queryObject(url.searchParams),
        headers: rawHeaderObject(req.rawHeaders),
        raw_headers: req.rawHeaders,
        body_base64: body.toString('base64'),
        body_length: body.length,
        content_type: req.headers['content-type'] ?? null,
      });
      return true;
    }
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /binary':
        sendGenerated(res, 'application/octet-stream', sizeParam(url, 256), binaryFill);
        return true;
      case 'GET /big':
        sendGenerated(res, 'text/plain', sizeParam(url, 1024), (chunk) => chunk.fill(0x61));
        return true;
      case 'GET /text':
        send(res, 200, 'text/plain; charset=utf-8', 'hello from stand-in', { runtimeHeader: false });
        return true;
      case 'GET /json':
        sendJson(res, 200, { result: 'ok' });
        return true;
      case 'GET /slow': {
        const ms = msParam(url, 0);
        const timer = setTimeout(() => sendJson(res, 200, { slept: ms }), ms);
        res.on('close', () => clearTimeout(timer));
        return true;
      }
      case 'GET /redirect': {
        const to = url.searchParams.get('to');
        if (!to) sendJson(res, 400, { error: 'missing ?to=' });
        else {
          res.writeHead(302, { Location: to, 'Content-Length': 0, Connection: 'close' });
          res.end();
        }
        return true;
      }
      case 'GET /headers-multi':
        res.setHeader('X-Multi', ['first', 'second']);
        res.setHeader('X-Custom-Case', 'yes');
        sendJson(res, 200, { result: 'ok' });
        return true;
      case 'GET /standin/info':
        sendJson(res, 200, { variant: config.STANDIN_VARIANT ?? null, pid: process.pid, uptime_s: process.uptime(), plc: plc.info() });
        return true;
      case 'POST /standin/exit': {
        const code = Number.parseInt(url.searchParams.get('code') ?? '0', 10) || 0;
        sendJson(res, 200, { exiting: code });
        setTimeout(() => {
          log(`exit requested, code ${code}`);
          process.exit(code);
        }, 50);
        return true;
      }
      case 'POST /standin/burn': {
        const ms = msParam(url, 1000);
        burn(ms);
        sendJson(res, 202, { burning_ms: ms });
        return true;
      }
      case 'POST /standin/crash': {
        const ms = msParam(url, 3000);
        plc.crash(ms);
        sendJson(res, 200, { crashed_ms: ms });
        return true;
      }
      case 'POST /standin/overruns': {
        const count = Math.max(1, Number.parseInt(url.searchParams.get('count') ?? '1', 10) || 1);
        const ok = plc.injectOverruns(count);
        sendJson(res, ok ? 200 : 409, ok ? { overruns_added: count } : { error: 'the PLC is not running' });
        return true;
      }
      case 'POST /standin/debug-delay': {
        debug.setDelay(msParam(url, 0));
        sendJson(res, 200, { debug_delay_ms: debug.delay() });
        return true;
      }
      default:
        return false;
    }
  };
}
