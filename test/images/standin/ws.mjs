// A minimal WebSocket (RFC 6455) server side for the stand-in's Socket.IO endpoint: the upgrade handshake, frame
// parsing (masked client frames, fragmentation, control frames interleaved, a message size cap) and unmasked server
// frames. Text and binary messages only; no extensions (permessage-deflate is never negotiated).
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa };

/** Close codes used here (RFC 6455 §7.4.1). */
export const CLOSE = { NORMAL: 1000, PROTOCOL: 1002, INVALID_DATA: 1007, TOO_BIG: 1009 };

export function acceptKey(key) {
  return createHash('sha1').update(`${key}${GUID}`).digest('base64');
}

/** One server frame (FIN set, never masked). */
export function encodeFrame(opcode, payload = Buffer.alloc(0)) {
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const len = data.length;
  let header;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, data]);
}

export function closePayload(code, reason = '') {
  const buf = Buffer.alloc(2 + Buffer.byteLength(reason));
  buf.writeUInt16BE(code, 0);
  buf.write(reason, 2);
  return buf;
}

/**
 * Incremental parser of client frames. `push(chunk)` feeds bytes; callbacks:
 * onMessage(opcode TEXT|BINARY, Buffer) for a whole (reassembled) message, onControl(opcode, Buffer) for
 * ping/pong/close, onError(closeCode, reason) once, after which the parser ignores further input.
 */
export function createFrameParser({ maxMessage, onMessage, onControl, onError }) {
  let buf = Buffer.alloc(0);
  let failed = false;
  let fragments = null; // { opcode, parts, size } while a fragmented message is open

  const fail = (code, reason) => {
    failed = true;
    buf = Buffer.alloc(0);
    onError(code, reason);
  };

  // One frame off the front of `buf`, or null when it is not complete yet.
  function takeFrame() {
    if (buf.length < 2) return null;
    const fin = (buf[0] & 0x80) !== 0;
    const rsv = buf[0] & 0x70;
    const opcode = buf[0] & 0x0f;
    const masked = (buf[1] & 0x80) !== 0;
    let len = buf[1] & 0x7f;
    let at = 2;
    if (len === 126) {
      if (buf.length < 4) return null;
      len = buf.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (buf.length < 10) return null;
      const big = buf.readBigUInt64BE(2);
      if (big > BigInt(maxMessage)) return { error: [CLOSE.TOO_BIG, 'frame too large'] };
      len = Number(big);
      at = 10;
    }
    if (rsv !== 0) return { error: [CLOSE.PROTOCOL, 'reserved bits set'] };
    if (!masked) return { error: [CLOSE.PROTOCOL, 'client frame not masked'] };
    if (len > maxMessage) return { error: [CLOSE.TOO_BIG, 'frame too large'] };
    if (buf.length < at + 4 + len) return null;
    const mask = buf.subarray(at, at + 4);
    const payload = Buffer.from(buf.subarray(at + 4, at + 4 + len));
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    buf = buf.subarray(at + 4 + len);
    return { fin, opcode, payload };
  }

  function frame({ fin, opcode, payload }) {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) return [CLOSE.PROTOCOL, 'bad control frame'];
      if (opcode !== OP.CLOSE && opcode !== OP.PING && opcode !== OP.PONG) return [CLOSE.PROTOCOL, 'unknown opcode'];
      onControl(opcode, payload);
      return null;
    }
    if (opcode === OP.CONT) {
      if (!fragments) return [CLOSE.PROTOCOL, 'continuation without a message'];
      fragments.size += payload.length;
      if (fragments.size > maxMessage) return [CLOSE.TOO_BIG, 'message too large'];
      fragments.parts.push(payload);
      if (fin) {
        const whole = Buffer.concat(fragments.parts);
        const op = fragments.opcode;
        fragments = null;
        onMessage(op, whole);
      }
      return null;
    }
    if (opcode !== OP.TEXT && opcode !== OP.BINARY) return [CLOSE.PROTOCOL, 'unknown opcode'];
    if (fragments) return [CLOSE.PROTOCOL, 'new message inside a fragmented one'];
    if (fin) onMessage(opcode, payload);
    else fragments = { opcode, parts: [payload], size: payload.length };
    return null;
  }

  return {
    push(chunk) {
      if (failed) return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        const next = takeFrame();
        if (!next) return;
        const problem = next.error ?? frame(next);
        if (problem) {
          fail(...problem);
          return;
        }
      }
    },
  };
}

/**
 * Answers an HTTP upgrade with 101 and runs a WebSocket on the socket; false (socket untouched) when the request is
 * not a version-13 WebSocket upgrade. `onOpen(ws)` gets { sendText, close, onText(fn), onClose(fn), closed } before
 * any message is delivered.
 */
export function acceptWebSocket(req, socket, head, { maxMessage, onOpen }) {
  const key = req.headers['sec-websocket-key'];
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  if (req.method !== 'GET' || upgrade !== 'websocket' || typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
    return false;
  }
  socket.write(
    ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`, '', ''].join('\r\n'),
  );
  socket.setNoDelay(true);
  let closed = false;
  const listeners = { text: () => {}, close: () => {} };
  const write = (opcode, payload) => {
    if (!closed && socket.writable) socket.write(encodeFrame(opcode, payload));
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    listeners.close();
  };
  const ws = {
    sendText: (text) => write(OP.TEXT, text),
    close(code = CLOSE.NORMAL, reason = '') {
      write(OP.CLOSE, closePayload(code, reason));
      finish();
      socket.end();
    },
    onText(fn) {
      listeners.text = fn;
    },
    onClose(fn) {
      listeners.close = fn;
    },
    get closed() {
      return closed;
    },
  };
  const parser = createFrameParser({
    maxMessage,
    onMessage(opcode, data) {
      if (opcode !== OP.TEXT) return; // Engine.IO binary packets are not used by the debug namespace
      const text = data.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(data)) ws.close(CLOSE.INVALID_DATA, 'invalid utf-8');
      else listeners.text(text);
    },
    onControl(opcode, data) {
      if (opcode === OP.PING) write(OP.PONG, data);
      else if (opcode === OP.CLOSE) ws.close(data.length >= 2 ? data.readUInt16BE(0) : CLOSE.NORMAL);
    },
    onError: (code, reason) => ws.close(code, reason),
  });
  socket.on('data', (chunk) => parser.push(chunk));
  socket.on('close', finish);
  socket.on('error', finish);
  onOpen(ws);
  if (head && head.length > 0) parser.push(head);
  return true;
}
