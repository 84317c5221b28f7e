import type http from 'node:http';
import type { Socket } from 'node:net';

const TIMEOUT_ANSWER = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

/** Node's own request-timeout check, pushed out of the way: one timer per open connection replaces it. */
export const NODE_CHECK_DISABLED_MS = 2 ** 31 - 1;

/**
 * The headers and request timeouts of a server, enforced by one timer per open connection instead of Node's
 * `connectionsCheckingInterval`, which wakes the process every period even with no connection open. Same answers as
 * Node's check: a client that has not sent its whole request head within `headersTimeoutMs`, or its whole request
 * within `requestTimeoutMs`, of the request's start (the connection, or the end of the previous response) gets a 408
 * and the connection is closed. A connection handed to a WebSocket (the parser let go of it) is left alone.
 */
export function enforceDeadlines(server: http.Server, limits: { headersTimeoutMs: number; requestTimeoutMs: number }): void {
  type Clock = { (req?: http.IncomingMessage, res?: http.ServerResponse): void; current(): http.IncomingMessage | undefined };
  const clocks = new WeakMap<Socket, Clock>();
  server.on('connection', (socket: Socket) => {
    let timer: NodeJS.Timeout | undefined;
    let start = 0;
    let current: { req: http.IncomingMessage; res: http.ServerResponse } | undefined;
    const expire = (): void => {
      // After an upgrade the socket belongs to the WebSocket, which has its own rules.
      if ((socket as Socket & { parser?: unknown }).parser == null) return;
      // A request received whole is done with this deadline; its handler's time is not bounded here.
      if (current?.req.complete) return;
      if (socket.writable && !current?.res.headersSent) socket.write(TIMEOUT_ANSWER);
      socket.destroy();
    };
    const arm = (ms: number): void => {
      clearTimeout(timer);
      timer = setTimeout(expire, Math.max(0, ms));
      timer.unref();
    };
    /** With a request: its head arrived, the rest must follow; without: the next request head is awaited. */
    const clock: Clock = Object.assign(
      (req?: http.IncomingMessage, res?: http.ServerResponse): void => {
        if (req && res) {
          current = { req, res };
          arm(limits.requestTimeoutMs - (performance.now() - start));
        } else {
          current = undefined;
          start = performance.now();
          arm(limits.headersTimeoutMs);
        }
      },
      { current: () => current?.req },
    );
    clocks.set(socket, clock);
    socket.once('close', () => clearTimeout(timer));
    clock();
  });
  // Ahead of the handler, so the request's deadline is set before anything can answer it.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const clock = clocks.get(req.socket);
    if (!clock) return;
    clock(req, res);
    // A keep-alive connection waits for its next request head under the headers deadline again, unless a pipelined
    // request already arrived behind this one: that one holds the connection's clock now.
    res.once('finish', () => {
      if (!req.socket.destroyed && clock.current() === req) clock();
    });
  });
}
