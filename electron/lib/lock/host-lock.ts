import net from 'node:net';

export type HostLock = { release(): Promise<void> };

/**
 * A host-wide lock on an abstract Unix socket: every user sees the same name, and it vanishes with its process,
 * so it can never be stale (ENGINEERING §G). Resolves to null when another process holds it.
 */
export function acquireHostLock(name: string): Promise<HostLock | null> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end(`${process.pid}\n`));
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve(null);
      else reject(err);
    });
    server.listen({ path: `\0${name}` }, () => {
      server.unref();
      resolve({ release: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** The PID of the process holding the lock, as it answers on the socket. */
export function lockHolder(name: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: `\0${name}` });
    let data = '';
    socket.setTimeout(1_000, () => socket.destroy());
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => resolve(Number.parseInt(data, 10) || null));
    socket.on('error', () => resolve(null));
  });
}
