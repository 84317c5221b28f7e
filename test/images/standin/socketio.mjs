// A minimal Socket.IO v4 server (Engine.IO protocol 4, Socket.IO protocol 5) over WebSocket only, shaped like the
// recorded runtime (python-socketio 5.12 / python-engineio 4.11, test/fixtures/openplc-runtime-v4.1.4/debug/):
// - GET /socket.io/?EIO=4&transport=websocket upgrades; the open packet offers no upgrades.
// - transport=polling is refused with python-engineio's answer for a transport it does not serve (400 "Invalid
//   transport"). The recorded runtime did serve polling; the stand-in does not, so a client that needs it fails loudly.
// - Any other EIO version: 400 "The client is using an unsupported version of the Socket.IO or Engine.IO protocols".
// - The server pings every pingInterval and drops a client that does not pong within pingTimeout.
// - CONNECT to a namespace with a handler runs its `authorize`; refused → CONNECT_ERROR
//   {"message":"Connection rejected by server"}. Accepted → the handler's `onConnect` (which may emit, as the runtime
//   emits `connected` before the CONNECT ack), then the ack {"sid"}. "/" is always accepted (python-socketio's default
//   namespace); another unknown namespace gets CONNECT_ERROR "Unable to connect", as python-socketio answers.
// - EVENT packets reach the namespace's event handler; an ack id gets an ACK with the handler's ack arguments.
// - A packet that does not parse, or a binary one, closes the connection (python-socketio drops such clients too).
import { randomBytes } from 'node:crypto';
import { acceptWebSocket } from './ws.mjs';

const PATH = '/socket.io/';
const REJECTED = { message: 'Connection rejected by server' };

const newSid = () => randomBytes(15).toString('base64url');

/** A Socket.IO packet from its text (after the Engine.IO "4"), or null when malformed. */
export function parseSocketIoPacket(text) {
  const type = Number(text[0]);
  if (!/^[0-6]$/.test(text[0] ?? '')) return null;
  if (type === 5 || type === 6) return { type, binary: true };
  let i = 1;
  let nsp = '/';
  if (text[i] === '/') {
    const comma = text.indexOf(',', i);
    if (comma < 0) {
      nsp = text.slice(i);
      i = text.length;
    } else {
      nsp = text.slice(i, comma);
      i = comma + 1;
    }
  }
  let id = null;
  const digits = /^\d+/.exec(text.slice(i));
  if (digits) {
    id = Number(digits[0]);
    i += digits[0].length;
  }
  let data;
  if (i < text.length) {
    try {
      data = JSON.parse(text.slice(i));
    } catch {
      return null;
    }
  }
  if (type === 2 && (!Array.isArray(data) || data.length === 0 || typeof data[0] !== 'string')) return null;
  if (type === 3 && !Array.isArray(data)) return null;
  return { type, nsp, id, data };
}

export function encodeSocketIoPacket(type, nsp, data, id = null) {
  const prefix = nsp === '/' ? '' : `${nsp},`;
  return `4${type}${prefix}${id ?? ''}${data === undefined ? '' : JSON.stringify(data)}`;
}

/**
 * `namespaces`: { [nsp]: { authorize({ auth, query }) → boolean, onConnect(client), events: { [name]: (client, args)
 * → Promise<ackArgs[]> } } }; `client.emit(event, ...args)` emits on that namespace.
 */
export function createSocketIoServer({ namespaces, pingIntervalMs = 25_000, pingTimeoutMs = 20_000, maxPayload = 1_000_000, log }) {
  const clients = new Set();

  function run(ws, query) {
    const eioSid = newSid();
    const joined = new Map(); // nsp -> client
    let pongTimer = null;
    const send = (packet) => ws.sendText(packet);
    const pingTimer = setInterval(() => {
      send('2');
      if (!pongTimer) {
        pongTimer = setTimeout(() => ws.close(), pingTimeoutMs);
      }
    }, pingIntervalMs);

    function connect(nsp, auth) {
      const handler = namespaces[nsp];
      if (!handler && nsp !== '/') {
        send(encodeSocketIoPacket(4, nsp, 'Unable to connect'));
        return;
      }
      if (handler && !handler.authorize({ auth: auth ?? null, query })) {
        send(encodeSocketIoPacket(4, nsp, REJECTED));
        return;
      }
      const client = {
        sid: newSid(),
        nsp,
        emit: (event, ...args) => {
          if (!ws.closed) send(encodeSocketIoPacket(2, nsp, [event, ...args]));
        },
        get connected() {
          return joined.get(nsp) === client && !ws.closed;
        },
      };
      joined.set(nsp, client);
      handler?.onConnect?.(client);
      send(encodeSocketIoPacket(0, nsp, { sid: client.sid }));
    }

    function event(packet) {
      const client = joined.get(packet.nsp);
      const on = client && namespaces[packet.nsp]?.events?.[packet.data[0]];
      if (!on) return;
      on(client, packet.data.slice(1)).then(
        (ackArgs) => {
          if (packet.id !== null && client.connected) send(encodeSocketIoPacket(3, packet.nsp, ackArgs ?? [], packet.id));
        },
        (err) => log(`socket.io ${packet.nsp} ${packet.data[0]} failed: ${err.message}`),
      );
    }

    ws.onText((text) => {
      switch (text[0]) {
        case '3':
          clearTimeout(pongTimer);
          pongTimer = null;
          return;
        case '1':
          ws.close();
          return;
        case '2':
          send(`3${text.slice(1)}`);
          return;
        case '4':
          break;
        default:
          return;
      }
      const packet = parseSocketIoPacket(text.slice(1));
      if (!packet || packet.binary) {
        ws.close();
        return;
      }
      if (packet.type === 0) connect(packet.nsp, packet.data);
      else if (packet.type === 1) joined.delete(packet.nsp);
      else if (packet.type === 2) event(packet);
    });
    ws.onClose(() => {
      clearInterval(pingTimer);
      clearTimeout(pongTimer);
      joined.clear();
      clients.delete(ws);
    });
    clients.add(ws);
    send(`0${JSON.stringify({ sid: eioSid, upgrades: [], pingTimeout: pingTimeoutMs, pingInterval: pingIntervalMs, maxPayload })}`);
  }

  const badRequest = (res, text) => {
    res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
    res.end(text);
  };

  function check(url) {
    if (url.searchParams.get('EIO') !== '4') return 'The client is using an unsupported version of the Socket.IO or Engine.IO protocols';
    if (url.searchParams.get('transport') !== 'websocket') return 'Invalid transport';
    return null;
  }

  return {
    /** True when `req` was an upgrade on the Socket.IO path (answered either way). */
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://standin.invalid');
      if (url.pathname !== PATH) return false;
      const problem = check(url);
      const query = Object.fromEntries(url.searchParams);
      const ok = !problem && acceptWebSocket(req, socket, head, { maxMessage: maxPayload, onOpen: (ws) => run(ws, query) });
      if (!ok) {
        const text = problem ?? 'Bad Request';
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      }
      return true;
    },
    /** Plain HTTP requests on the Socket.IO path (polling attempts): the refusal; false for other paths. */
    handleRequest(req, res, url) {
      if (url.pathname !== PATH) return false;
      badRequest(res, check(url) ?? 'Invalid transport');
      return true;
    },
    close() {
      for (const ws of clients) ws.close();
    },
    connectionCount: () => clients.size,
  };
}
