import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { docker } from './docker.js';

/**
 * A tiny Docker Registry HTTP API v2 on 127.0.0.1 (Docker treats 127.0.0.0/8 as an insecure registry, so the engine
 * pulls over plain HTTP), serving one image: the layers of a local image (`docker save`) plus one layer of random bytes
 * unique to this registry, so every pull downloads bytes even when the engine already holds the source image's layers.
 * Layers are served gzip-compressed; their digests are those of the bytes served.
 */
export type FakeRegistryOptions = {
  /** A local image whose layers and config the served image reuses (it must run: creates start it). */
  source: string;
  repository: string;
  tag: string;
  /**
   * Blob bytes are written `chunkBytes` at a time with `delayMs` between writes, so a pull reports progress several
   * times; `uniqueOnly` throttles only the random layer (the engine may already hold the others from an earlier run).
   */
  throttle?: { chunkBytes: number; delayMs: number; uniqueOnly?: boolean };
  /** The random layer's blob answers 404: the manifest pulls, then the engine fails inside its progress stream. */
  missingUniqueBlob?: boolean;
  /** Size of the random layer (default 4 MB). */
  uniqueLayerBytes?: number;
};

export type FakeRegistry = {
  /** `127.0.0.1:<port>` */
  host: string;
  /** `<host>/<repository>`: the runtime repository setting that pulls from here. */
  repository: string;
  /** `<host>/<repository>:<tag>` */
  ref: string;
  /** The digest the served manifest has. */
  manifestDigest: string;
  /** Paths requested so far, `METHOD path`. */
  requests: string[];
  /** Removes the pulled image from the engine when it is there (only ours: the ref names this registry's port). */
  removePulled(): Promise<void>;
  stop(): Promise<void>;
};

type Blob = { digest: string; body: Buffer; mediaType: string; unique?: boolean };

const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The members of an uncompressed tar (regular files only, ustar names). */
function untar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let off = 0;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number): string => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    if (type === '0' || type === '') files.set(name, buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** A one-file ustar archive. */
function tarOf(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (s: string, start: number): void => void header.write(s, start, 'utf8');
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  put(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  const sum = header.reduce((a, b) => a + b, 0);
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024)]);
}

async function saved(image: string): Promise<Buffer> {
  const stream = await docker.getImage(image).get();
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const SaveManifest = (raw: unknown): { Config: string; Layers: string[] } => {
  const first = Array.isArray(raw) ? (raw[0] as { Config?: unknown; Layers?: unknown }) : undefined;
  if (typeof first?.Config !== 'string' || !Array.isArray(first.Layers)) throw new Error('docker save manifest.json has no Config/Layers');
  return { Config: first.Config, Layers: first.Layers.map(String) };
};

export async function startFakeRegistry(opts: FakeRegistryOptions): Promise<FakeRegistry> {
  const files = untar(await saved(opts.source));
  const saveManifest = SaveManifest(JSON.parse((files.get('manifest.json') ?? Buffer.from('null')).toString('utf8')));
  const config = JSON.parse((files.get(saveManifest.Config) ?? Buffer.from('{}')).toString('utf8')) as {
    rootfs: { type: string; diff_ids: string[] };
    history?: unknown[];
  };
  const layerMedia = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
  const layers: Blob[] = saveManifest.Layers.map((name) => {
    const tar = files.get(name);
    if (!tar) throw new Error(`docker save archive lacks ${name}`);
    const body = gzipSync(tar, { level: 1 });
    return { digest: sha(body), body, mediaType: layerMedia };
  });
  const uniqueTar = tarOf(`vplc-fake-registry-${randomBytes(6).toString('hex')}`, randomBytes(opts.uniqueLayerBytes ?? 4_000_000));
  const uniqueBody = gzipSync(uniqueTar, { level: 1 });
  layers.push({ digest: sha(uniqueBody), body: uniqueBody, mediaType: layerMedia, unique: true });
  config.rootfs.diff_ids = [...config.rootfs.diff_ids, sha(uniqueTar)];
  config.history = [...(config.history ?? []), { created: new Date().toISOString(), created_by: 'test/support/fake-registry.ts' }];
  const configBody = Buffer.from(JSON.stringify(config));
  const configBlob: Blob = { digest: sha(configBody), body: configBody, mediaType: 'application/vnd.docker.container.image.v1+json' };
  const manifestType = 'application/vnd.docker.distribution.manifest.v2+json';
  const manifestBody = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestType,
      config: { mediaType: configBlob.mediaType, size: configBody.length, digest: configBlob.digest },
      layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.body.length, digest: l.digest })),
    }),
  );
  const manifestDigest = sha(manifestBody);
  const blobs = new Map([configBlob, ...layers].map((b) => [b.digest, b]));
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const send = async (req: IncomingMessage, res: ServerResponse, body: Buffer, type: string, digest: string, throttle: boolean): Promise<void> => {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Docker-Content-Digest': digest, 'Docker-Distribution-API-Version': 'registry/2.0' });
    if (req.method === 'HEAD') return void res.end();
    if (!throttle || !opts.throttle) return void res.end(body);
    const { chunkBytes, delayMs } = opts.throttle;
    for (let off = 0; off < body.length && !res.destroyed; off += chunkBytes) {
      res.write(body.subarray(off, off + chunkBytes));
      await new Promise((r) => setTimeout(r, delayMs));
    }
    res.end();
  };
  const notFound = (res: ServerResponse, code: string, message: string): void => {
    const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
    res.writeHead(404, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' });
    res.end(body);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry');
    requests.push(`${req.method} ${url.pathname}`);
    const prefix = `/v2/${opts.repository}/`;
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' });
      return void res.end('{}');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405);
      return void res.end();
    }
    if (!url.pathname.startsWith(prefix)) return notFound(res, 'NAME_UNKNOWN', 'repository name not known to registry');
    const rest = url.pathname.slice(prefix.length);
    const manifest = /^manifests\/(.+)$/.exec(rest);
    if (manifest) {
      const ref = manifest[1];
      if (ref !== opts.tag && ref !== manifestDigest) return notFound(res, 'MANIFEST_UNKNOWN', 'manifest unknown');
      return void send(req, res, manifestBody, manifestType, manifestDigest, false);
    }
    const blob = /^blobs\/(sha256:[0-9a-f]{64})$/.exec(rest);
    const found = blob?.[1] ? blobs.get(blob[1]) : undefined;
    if (!found || (found.unique && opts.missingUniqueBlob)) return notFound(res, 'BLOB_UNKNOWN', 'blob unknown to registry');
    void send(req, res, found.body, 'application/octet-stream', found.digest, found.unique === true || opts.throttle?.uniqueOnly !== true);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const repository = `${host}/${opts.repository}`;
  const ref = `${repository}:${opts.tag}`;
  return {
    host,
    repository,
    ref,
    manifestDigest,
    requests,
    async removePulled() {
      await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
