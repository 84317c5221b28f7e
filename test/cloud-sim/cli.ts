/**
 * Interactive cloud simulator: `npm run cloud-sim [-- --port 3001 --provision-port 3002 --out DIR]`.
 * Prints the URLs and the CA bundle to trust, then reads commands from stdin:
 *   <topic> [json payload]     send a topic and print the ack, e.g.  get_host_interfaces {"correlation_id":1}
 *   heartbeats | connections | link <id> | quit
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CloudSim } from './sim.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write('usage: npm run cloud-sim [-- --port 3001 --provision-port 3002 --out DIR]\n');
    return;
  }
  const out = path.resolve(arg('out', '.cloud-sim'));
  const sim = await CloudSim.start({ port: Number(arg('port', '3001')), provisionPort: Number(arg('provision-port', '3002')) });
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const caFile = path.join(out, 'ca.crt');
  writeFileSync(caFile, sim.ca.cert);
  const say = (l: string): void => void process.stdout.write(`${l}\n`);
  say('cloud simulator (development tool) running');
  say(`  cloud URL:        ${sim.url}`);
  say(`  provisioning URL: ${sim.provisionUrl}`);
  say(`  CA bundle:        ${caFile}`);
  say(`enrol:  npx tsx electron/cli/run.ts enroll --provision-url ${sim.provisionUrl} --ca-file ${caFile} --mtls-dir ${path.join(out, 'mtls')}`);
  say(`agent:  npx tsx electron/cli/run.ts agent --cloud-url ${sim.url} --ca-file ${caFile} --mtls-dir ${path.join(out, 'mtls')}`);
  say('commands: <topic> [json] | heartbeats | connections | quit');
  let seen = 0;
  const beatTimer = setInterval(() => {
    for (; seen < sim.heartbeats.length; seen++) {
      const h = sim.heartbeats[seen];
      if (h && !h.valid) say(`heartbeat INVALID (${h.error ?? ''}): ${JSON.stringify(h.payload)}`);
    }
  }, 1000);
  const rl = createInterface({ input: process.stdin });
  const stop = async (): Promise<void> => {
    clearInterval(beatTimer);
    rl.close();
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  for await (const line of rl) {
    const text = line.trim();
    if (text === '') continue;
    if (text === 'quit' || text === 'exit') break;
    if (text === 'heartbeats') {
      for (const h of sim.heartbeats.slice(-10)) say(`${(h.at / 1000).toFixed(3)} s ${h.valid ? 'ok' : `INVALID ${h.error ?? ''}`} ${JSON.stringify(h.payload)}`);
      continue;
    }
    if (text === 'connections') {
      for (const c of sim.connections) say(`${c.socketId} CN=${c.cn ?? '-'} ${c.fingerprint ?? ''}`);
      continue;
    }
    const [topic, ...rest] = text.split(/\s+/);
    const json = rest.join(' ');
    try {
      const payload: unknown = json === '' ? {} : JSON.parse(json);
      say(JSON.stringify(await sim.send(topic as string, payload, 70_000)));
    } catch (err) {
      say(`error: ${(err as Error).message}`);
    }
  }
  await stop();
}

void main();
