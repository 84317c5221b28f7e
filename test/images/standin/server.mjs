// Stand-in for the OpenPLC v4.1.4 runtime, run as PID 1 inside the test image (or under Docker's init).
// Node built-ins only: the image holds nothing but the node binary and its libraries. It follows the recorded
// exchanges in test/fixtures/openplc-runtime-v4.1.4/ (see the README there, section "Stand-in").
//
// HTTPS on 8443 and plain HTTP on 8080, same routes. Like the real runtime, the self-signed certificate is generated
// on the first start of a container (in its writable layer, /var/lib/standin/tls), and users, the loaded program and
// whether it was running are kept there too (/var/lib/standin/state): kept across restarts of that container, new for
// every new container.
// Modules: api.mjs (/api routes), auth.mjs + jwt.mjs (users, tokens), plc.mjs (status, start/stop, timing stats),
// compile.mjs (upload + fake compile), runtime-log.mjs, state.mjs, helpers.mjs (test-only routes, no auth),
// socketio.mjs + ws.mjs (Socket.IO over WebSocket on /socket.io/), debug-socket.mjs + debug.mjs + blink.mjs (the
// live-debug namespace /api/debug and the recorded BLINK program's variables).
//
// Switches come from /etc/standin/config.json, then from the environment (env wins):
//   STANDIN_LISTEN_DELAY_MS  delay before the ports open: N, or "LO-HI" for a random delay per start (default 0)
//   STANDIN_NEVER_LISTEN     1 = never open the ports
//   STANDIN_BURN             1 = burn one core from the start
//   STANDIN_EXIT_AFTER_MS    exit(1) this many ms after the ports are open (after the start when they never open):
//                            a runtime that serves, then crashes, however slow the host is to start it
//   STANDIN_IGNORE_SIGTERM   1 = ignore SIGTERM and SIGINT also when not PID 1 (as PID 1 they are always ignored)
//   STANDIN_TOKEN_TTL_S      access token lifetime (default 900, the real 15 min)
//   STANDIN_COMPILE_MS       duration of the first compile in this container (default 3000)
//   STANDIN_COMPILE_WARM_MS  duration of later compiles (default the smaller of 600 and STANDIN_COMPILE_MS)
//   STANDIN_AUTOSTART_MS     after a restart, a loaded program that was running runs again after this (default 2300)
//   STANDIN_VARIANT          free-form name reported by GET /standin/info
//   STANDIN_DEBUG_DELAY_MS   delay of every debug_response (default 0; >= 2000: none, the server gave up)
//   STANDIN_SIO_PING_INTERVAL_MS, STANDIN_SIO_PING_TIMEOUT_MS  Engine.IO heartbeat (default 25000 / 20000, as recorded)
// For running outside the image: STANDIN_CONFIG, STANDIN_TLS_DIR, STANDIN_STATE_DIR (unset with STANDIN_TLS_DIR set:
// state in memory only), STANDIN_HTTPS_PORT, STANDIN_HTTP_PORT.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createApi } from './api.mjs';
import { createAuth } from './auth.mjs';
import { createCompiler } from './compile.mjs';
import { createDebugNamespace } from './debug-socket.mjs';
import { burn, createHelpers } from './helpers.mjs';
import { readBody, sendApiJson, sendHtmlError } from './http.mjs';
import { createPlc, realtimeAllowed } from './plc.mjs';
import { createRuntimeLog } from './runtime-log.mjs';
import { createSocketIoServer } from './socketio.mjs';
import { openState } from './state.mjs';
import { loadOrGenerateTls } from './tls-cert.mjs';

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
/** "N" or "LO-HI" (a random value in the range, drawn on each call). */
const msSetting = (key, fallback) => {
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(String(config[key] ?? ''));
  if (!range) return Math.max(0, intSetting(key, fallback));
  const [lo, hi] = [Number(range[1]), Number(range[2])].sort((a, b) => a - b);
  return Math.round(lo + Math.random() * (hi - lo));
};

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

const tlsDir = process.env.STANDIN_TLS_DIR ?? '/var/lib/standin/tls';
const stateDir = process.env.STANDIN_STATE_DIR ?? (process.env.STANDIN_TLS_DIR ? null : '/var/lib/standin/state');
const runtimeLog = createRuntimeLog(log);
const state = openState(stateDir, log);
const plc = createPlc({
  state,
  runtimeLog,
  autostartMs: msSetting('STANDIN_AUTOSTART_MS', 2300),
  realtime: realtimeAllowed(),
});
const coldMs = msSetting('STANDIN_COMPILE_MS', 3000);
const compiler = createCompiler({
  state,
  plc,
  coldMs,
  warmMs: config.STANDIN_COMPILE_WARM_MS === undefined ? Math.min(600, coldMs) : msSetting('STANDIN_COMPILE_WARM_MS', 600),
  log,
});
const auth = createAuth({ state, tokenTtlS: Math.max(1, intSetting('STANDIN_TOKEN_TTL_S', 900)), log });
const handleApi = createApi({ auth, plc, compiler, runtimeLog });
const debug = createDebugNamespace({ auth, plc, state, delayMs: Math.max(0, intSetting('STANDIN_DEBUG_DELAY_MS', 0)) });
const socketIo = createSocketIoServer({
  namespaces: { '/api/debug': debug.namespace },
  pingIntervalMs: Math.max(1, intSetting('STANDIN_SIO_PING_INTERVAL_MS', 25_000)),
  pingTimeoutMs: Math.max(1, intSetting('STANDIN_SIO_PING_TIMEOUT_MS', 20_000)),
  log,
});
const handleHelper = createHelpers({ config, plc, debug, log });

async function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://standin.invalid');
  const body = await readBody(req);
  if (handleHelper(req, res, url, body)) return;
  if (socketIo.handleRequest(req, res, url)) return;
  if (handleApi(req, res, url, body)) return;
  sendHtmlError(res, 404, { runtimeHeader: false });
}

function onRequest(scheme) {
  return (req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      log(`${scheme} ${req.socket.remoteAddress ?? '-'} ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    });
    handle(req, res).catch((err) => {
      log(`${scheme} ${req.method} ${req.url} failed: ${err.message}`);
      if (!res.headersSent) sendApiJson(res, 500, { error: err.message });
      else res.destroy();
    });
  };
}

function listen(onOpen) {
  const httpsPort = intSetting('STANDIN_HTTPS_PORT', 8443);
  const httpPort = intSetting('STANDIN_HTTP_PORT', 8080);
  const tls = loadOrGenerateTls(tlsDir, () => runtimeLog.info('Generating https certificate...'));
  let open = 0;
  const opened = (what) => () => {
    log(`listening ${what}`);
    if (++open === 2) onOpen();
  };
  const servers = [
    createHttpsServer(tls, onRequest('https')).listen(httpsPort, opened(`https :${httpsPort}`)),
    createHttpServer(onRequest('http')).listen(httpPort, opened(`http :${httpPort}`)),
  ];
  for (const server of servers) {
    server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => {});
      if (!socketIo.handleUpgrade(req, socket, head)) socket.destroy();
      else log(`upgrade ${req.socket.remoteAddress ?? '-'} ${req.url}`);
    });
  }
}

log(`stand-in starting (pid ${process.pid}, variant ${config.STANDIN_VARIANT ?? '-'})`);
plc.boot();

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
  const delay = msSetting('STANDIN_LISTEN_DELAY_MS', 0);
  if (delay > 0) log(`opening the ports in ${delay} ms`);
  setTimeout(() => listen(armExit), delay);
}
