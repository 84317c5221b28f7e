// A hostile local user's process for squat.int.test.ts (run as `nobody`): binds the old abstract lock name and the
// agent's loopback port, tries to take the service's lock file, and plays a fake agent that records every byte a
// client sends it. One JSON line per event on stdout. Plain Node (no tsx): `nobody` runs it.
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import net from 'node:net';
import { WebSocketServer } from 'ws';

const [lockName, port, serviceLock] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const abstract = net.createServer((s) => s.end(`${process.pid}\n`));
await new Promise((resolve, reject) => abstract.once('error', reject).listen({ path: `\0${lockName}` }, resolve));
say({ event: 'abstract', name: lockName });

try {
  openSync(serviceLock, 'r');
  say({ event: 'service-lock', result: 'opened' });
} catch (err) {
  say({ event: 'service-lock', result: err.code });
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(port) });
await new Promise((resolve) => wss.once('listening', resolve));
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    say({ event: 'received', text });
    // A squatter that plays along: any hello gets a challenge it cannot sign, hoping for a proof or the token.
    try {
      if (JSON.parse(text).t === 'hello') ws.send(JSON.stringify({ t: 'challenge', nonce: randomBytes(32).toString('hex'), proof: randomBytes(32).toString('hex') }));
    } catch {
      // not JSON: recorded above
    }
  });
});
say({ event: 'ready', pid: process.pid, port: Number(port) });
setInterval(() => undefined, 60_000);
