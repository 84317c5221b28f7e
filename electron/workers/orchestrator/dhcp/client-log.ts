import { PassThrough, type Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { demuxLogs, type Engine } from '../docker/engine.js';
import { parseLeaseLine, type LeaseLine } from './lease.js';

/**
 * The log of a DHCP client container (the MACVLAN helper in a vPLC's namespace, or the host-side client of a WiFi
 * vNIC): its script prints one lease line per event on stdout; udhcpc's own words go to stderr.
 */

/** Docker's `since`/`until`: seconds with a fraction. */
export const dockerTime = (ms: number): string => (ms / 1000).toFixed(3);

/** How many log lines an adopting agent reads back to find the client's last lease event. */
const REPLAY_TAIL = 200;

export type ClientLogHandlers = {
  lease(line: LeaseLine): void;
  /** A stdout line that is not a lease line. */
  other(line: string): void;
  stderr(line: string): void;
  /** The stream ended: the client exited or was removed. */
  closed(): void;
};

/** Follows the client's log from `since` (default: its start); destroy the returned stream to stop following. */
export async function followClientLog(engine: Pick<Engine, 'docker'>, clientId: string, since: string | undefined, h: ClientLogHandlers): Promise<Readable> {
  const raw = (await engine.docker
    .getContainer(clientId)
    .logs({ follow: true, stdout: true, stderr: true, ...(since !== undefined ? { since } : {}) })) as unknown as Readable;
  const out = new PassThrough();
  const err = new PassThrough();
  engine.docker.modem.demuxStream(raw, out, err);
  raw.on('end', () => {
    out.end();
    err.end();
  });
  raw.on('error', () => raw.destroy());
  createInterface({ input: err }).on('line', h.stderr);
  createInterface({ input: out }).on('line', (line) => {
    const parsed = parseLeaseLine(line);
    if (parsed) h.lease(parsed);
    else h.other(line);
  });
  raw.once('close', h.closed);
  return raw;
}

/** The client's last lease event of the given kinds logged before `untilMs` (an agent adopting a running client). */
export async function lastLeaseLine(engine: Pick<Engine, 'docker'>, clientId: string, untilMs: number, events: readonly LeaseLine['event'][]): Promise<LeaseLine | undefined> {
  const buf = (await engine.docker
    .getContainer(clientId)
    .logs({ follow: false, stdout: true, stderr: false, tail: REPLAY_TAIL, until: dockerTime(untilMs) })) as unknown as Buffer;
  return demuxLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)))
    .stdout.split('\n')
    .map(parseLeaseLine)
    .filter((l): l is LeaseLine => l !== null && events.includes(l.event))
    .at(-1);
}
