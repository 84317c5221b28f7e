// Builds the local test images with `docker import` from rootfs trees assembled under test/images/.build/.
// No registry is involved. Run: `npm run test:images` (or `npx tsx test/images/build.ts`).
// Images are rebuilt only when the hash of their inputs changes; the hash is stored as an image label.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const DEFAULT_STANDIN_REPO = 'vplc-test/openplc-runtime';
/**
 * `VPLC_TEST_STANDIN_REPO` builds and tests the stand-in under another repository name, so work on the stand-in does not
 * replace the images other test runs on the same engine are using. The helper image is left alone then.
 */
export const STANDIN_REPO = process.env['VPLC_TEST_STANDIN_REPO'] || DEFAULT_STANDIN_REPO;
export const STANDIN_IMAGE = `${STANDIN_REPO}:latest`;
export const STANDIN_BURN_IMAGE = `${STANDIN_REPO}:burn`;
export const STANDIN_NOLISTEN_IMAGE = `${STANDIN_REPO}:nolisten`;
export const STANDIN_CRASHY_IMAGE = `${STANDIN_REPO}:crashy`;
export const STANDIN_V2_IMAGE = `${STANDIN_REPO}:v2`;
/** Answers on its ports only 8 s after start: a dependency that becomes healthy late. */
export const STANDIN_SLOW_IMAGE = `${STANDIN_REPO}:slow`;
/** Ignores SIGTERM even under an init: a runtime that does not shut down in time, so a stop ends in a kill. */
export const STANDIN_STUBBORN_IMAGE = `${STANDIN_REPO}:stubborn`;
/** Timings of the real runtime: ports open 2.4-4.1 s after each start, compiles take 5.4 s cold and 0.6 s warm. */
export const STANDIN_REALISTIC_IMAGE = `${STANDIN_REPO}:realistic`;
export const NETHELPER_IMAGE = 'vplc-test/nethelper:latest';
const BUILDS_NETHELPER = STANDIN_REPO === DEFAULT_STANDIN_REPO;
export const STANDIN_IMAGES = [
  STANDIN_IMAGE,
  STANDIN_BURN_IMAGE,
  STANDIN_NOLISTEN_IMAGE,
  STANDIN_CRASHY_IMAGE,
  STANDIN_V2_IMAGE,
  STANDIN_SLOW_IMAGE,
  STANDIN_STUBBORN_IMAGE,
  STANDIN_REALISTIC_IMAGE,
] as const;
export const TEST_IMAGES: readonly string[] = BUILDS_NETHELPER ? [...STANDIN_IMAGES, NETHELPER_IMAGE] : STANDIN_IMAGES;

export const HASH_LABEL = 'io.vplc-orchestrator.test-image-hash';
export const VARIANT_LABEL = 'io.vplc-orchestrator.test-image-variant';
/** Name in the stand-in certificate (CN and subjectAltName); verify TLS with `servername` set to this. */
export const STANDIN_TLS_NAME = 'openplc-runtime';
/** Generated on the first start of each container (like the real runtime), so it exists only once the ports answer. */
export const STANDIN_CERT_PATH = '/var/lib/standin/tls/cert.pem';
export const STANDIN_HTTPS_PORT = 8443;
export const STANDIN_HTTP_PORT = 8080;

const HERE = dirname(fileURLToPath(import.meta.url));
const BUILD_DIR = join(HERE, '.build');
const STANDIN_DIR = join(HERE, 'standin');
const BUSYBOX = '/bin/busybox';
const NODE_IN_IMAGE = '/usr/local/bin/node';
/** Bump when the helper image's recipe (assembleBase, nethelperChanges) changes. */
const NETHELPER_RECIPE = 'nethelper-1';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const APPLETS = [
  'sh', 'ip', 'udhcpc', 'cat', 'sleep', 'ls', 'grep', 'awk', 'sed', 'printf',
  'echo', 'true', 'ifconfig', 'route', 'date', 'kill', 'ps', 'mkdir', 'rm',
  // What the agent runs in a vPLC to make the node of a serial port (docs/serial.md "Device nodes"); the real
  // runtime image has them from coreutils.
  'mknod', 'chmod', 'stat', 'od', 'head',
];

/** Config baked into each stand-in variant (read by server.mjs from /etc/standin/config.json). */
const STANDIN_VARIANTS: ReadonlyArray<{ image: string; config: Record<string, string> }> = [
  { image: STANDIN_BURN_IMAGE, config: { STANDIN_VARIANT: 'burn', STANDIN_BURN: '1' } },
  { image: STANDIN_NOLISTEN_IMAGE, config: { STANDIN_VARIANT: 'nolisten', STANDIN_NEVER_LISTEN: '1' } },
  { image: STANDIN_CRASHY_IMAGE, config: { STANDIN_VARIANT: 'crashy', STANDIN_EXIT_AFTER_MS: '1500' } },
  { image: STANDIN_V2_IMAGE, config: { STANDIN_VARIANT: 'v2' } },
  { image: STANDIN_SLOW_IMAGE, config: { STANDIN_VARIANT: 'slow', STANDIN_LISTEN_DELAY_MS: '8000' } },
  { image: STANDIN_STUBBORN_IMAGE, config: { STANDIN_VARIANT: 'stubborn', STANDIN_IGNORE_SIGTERM: '1' } },
  {
    image: STANDIN_REALISTIC_IMAGE,
    config: {
      STANDIN_VARIANT: 'realistic',
      STANDIN_LISTEN_DELAY_MS: '2400-4100',
      STANDIN_COMPILE_MS: '5400',
      STANDIN_COMPILE_WARM_MS: '600',
    },
  },
];

type Log = (line: string) => void;

export class DockerUnreachableError extends Error {
  constructor(detail: string) {
    super(
      `Docker engine is not reachable (${detail}). ` +
        'Start it with `sudo ./scripts/test-all` (installs and starts dockerd) or `systemctl start docker`.',
    );
    this.name = 'DockerUnreachableError';
  }
}

async function run(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await execFileAsync(cmd, [...args], { maxBuffer: 64 * 1024 * 1024, env: env ?? process.env });
    return stdout.trim();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const detail = e.stderr?.trim() || e.message;
    throw new Error(`${cmd} ${args.join(' ')} failed: ${detail}`, { cause: err });
  }
}

/** Throws DockerUnreachableError when the docker CLI is missing or the engine does not answer. */
export async function requireDockerEngine(): Promise<void> {
  try {
    await execFileAsync('docker', ['version', '--format', '{{.Server.APIVersion}}'], { timeout: 15_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new DockerUnreachableError('the docker CLI is not installed');
    throw new DockerUnreachableError(e.stderr?.trim() || e.message);
  }
}

/** Absolute paths of the shared libraries (and the dynamic loader) that `ldd` reports for a binary. */
async function sharedLibraries(binary: string): Promise<string[]> {
  let out: string;
  try {
    out = (await execFileAsync('ldd', [binary])).stdout;
  } catch {
    return []; // "not a dynamic executable"
  }
  const libs = [...out.matchAll(/(\/\S+)\s+\(0x[0-9a-f]+\)/g)].map((m) => m[1] ?? '');
  return libs.filter((p) => p.length > 0);
}

interface Inputs {
  node: string;
  libraries: string[];
  scripts: string[];
  hash: string;
  nethelperHash: string;
}

/** The stand-in's modules (server.mjs and what it imports), all copied to /standin/ in the image. */
async function standinScripts(): Promise<string[]> {
  return (await readdir(STANDIN_DIR)).filter((f) => f.endsWith('.mjs')).sort();
}

async function fileStamp(path: string): Promise<string> {
  const real = await realpath(path);
  const s = await stat(real);
  return `${path}->${real}:${s.size}:${s.mtimeMs}`;
}

async function collectInputs(): Promise<Inputs> {
  const node = await realpath(process.execPath);
  const libraries = await sharedLibraries(node);
  if (libraries.length === 0) throw new Error(`ldd found no libraries for ${node}; cannot assemble the stand-in rootfs`);
  if ((await sharedLibraries(BUSYBOX)).length > 0) {
    throw new Error(`${BUSYBOX} is dynamically linked; install the busybox-static package`);
  }
  const scripts = await standinScripts();
  const h = createHash('sha256');
  for (const f of scripts) h.update(f).update(await readFile(join(STANDIN_DIR, f)));
  h.update(await readFile(fileURLToPath(import.meta.url)));
  const busybox = await readFile(BUSYBOX);
  h.update(busybox);
  for (const p of [node, ...libraries]) h.update(await fileStamp(p));
  // The helper holds busybox alone: edits to the stand-in do not rebuild it.
  const nethelperHash = createHash('sha256').update(NETHELPER_RECIPE).update(busybox).digest('hex').slice(0, 32);
  return { node, libraries, scripts, hash: h.digest('hex').slice(0, 32), nethelperHash };
}

interface ImageInfo {
  id: string;
  hash: string;
}

async function inspectImage(image: string): Promise<ImageInfo | null> {
  try {
    const out = await execFileAsync('docker', [
      'image', 'inspect', '--format', `{{.Id}} {{index .Config.Labels "${HASH_LABEL}"}}`, image,
    ]);
    const [id = '', hash = ''] = out.stdout.trim().split(' ');
    return { id, hash };
  } catch {
    return null;
  }
}

async function writeText(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await chmod(path, mode);
}

async function copyInto(root: string, hostPath: string, imagePath: string, mode = 0o755): Promise<void> {
  const dest = join(root, imagePath);
  await mkdir(dirname(dest), { recursive: true });
  await copyFile(hostPath, dest); // follows symlinks: the image gets the real file at the listed path
  await chmod(dest, mode);
}

/** Skeleton shared by both rootfs trees: users, writable dirs, DNS placeholders and busybox with its applets. */
async function assembleBase(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
  for (const dir of ['root', 'var/run', 'proc', 'sys', 'dev', 'usr/share/udhcpc']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  await mkdir(join(root, 'tmp'), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  await writeText(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await writeText(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await writeText(join(root, 'etc/resolv.conf'), '');
  await writeText(join(root, 'etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  await copyInto(root, BUSYBOX, '/bin/busybox');
  for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
}

async function assembleStandin(root: string, inputs: Inputs): Promise<void> {
  await assembleBase(root);
  await copyInto(root, inputs.node, NODE_IN_IMAGE);
  for (const lib of inputs.libraries) await copyInto(root, lib, lib);
  for (const f of inputs.scripts) await copyInto(root, join(STANDIN_DIR, f), `/standin/${f}`, 0o644);
  await writeText(join(root, 'etc/standin/config.json'), `${JSON.stringify({ STANDIN_VARIANT: 'latest' })}\n`);
}

/** `tar -C root . | docker import --change ... - image` */
async function importRootfs(root: string, image: string, changes: readonly string[]): Promise<void> {
  const tar = spawn('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', '-', '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const importArgs = ['import', ...changes.flatMap((c) => ['--change', c]), '-', image];
  const docker = spawn('docker', importArgs, { stdio: ['pipe', 'ignore', 'pipe'] });
  // If docker import dies early, its exit status carries the reason; the broken pipe itself is noise.
  docker.stdin.on('error', () => undefined);
  tar.stdout.pipe(docker.stdin);
  const exited = (child: ReturnType<typeof spawn>, name: string): Promise<void> => {
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise((res, rej) => {
      child.on('error', rej);
      child.on('close', (code) => (code === 0 ? res() : rej(new Error(`${name} exited ${code}: ${stderr.trim()}`))));
    });
  };
  await Promise.all([exited(tar, 'tar'), exited(docker, 'docker import')]);
}

/** A variant is the base image plus one COPY: the classic builder handles a local FROM without any registry. */
async function buildVariant(base: string, image: string, config: Record<string, string>, hash: string): Promise<void> {
  const ctx = join(BUILD_DIR, `variant-${image.split(':')[1] ?? 'x'}`);
  await rm(ctx, { recursive: true, force: true });
  await writeText(join(ctx, 'config.json'), `${JSON.stringify(config)}\n`);
  await writeText(join(ctx, 'Dockerfile'), `FROM ${base}\nCOPY config.json /etc/standin/config.json\n`);
  const variant = config['STANDIN_VARIANT'] ?? 'unknown';
  await run(
    'docker',
    ['build', '--quiet', '--label', `${HASH_LABEL}=${hash}`, '--label', `${VARIANT_LABEL}=${variant}`, '-t', image, ctx],
    { ...process.env, DOCKER_BUILDKIT: '0' },
  );
}

function runtimeChanges(hash: string): string[] {
  return [
    `ENV PATH=${DEFAULT_PATH}`,
    `CMD ["${NODE_IN_IMAGE}","/standin/server.mjs"]`,
    `EXPOSE ${STANDIN_HTTPS_PORT}`,
    `LABEL ${HASH_LABEL}=${hash} ${VARIANT_LABEL}=latest`,
  ];
}

function nethelperChanges(hash: string): string[] {
  return [`ENV PATH=${DEFAULT_PATH}`, 'CMD ["/bin/sh"]', `LABEL ${HASH_LABEL}=${hash}`];
}

async function timed(log: Log, what: string, fn: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await fn();
  log(`built   ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Serialises builds across processes (parallel test runs share one engine and one .build dir). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(BUILD_DIR, '.lock');
  const deadline = Date.now() + 10 * 60_000;
  await mkdir(BUILD_DIR, { recursive: true });
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(await readFile(join(lock, 'pid'), 'utf8').catch(() => ''), 10);
      if (Number.isFinite(holder) && !isAlive(holder)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the image build lock ${lock} (held by pid ${holder})`, { cause: err });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function staleImages(inputs: Inputs): Promise<Map<string, ImageInfo | null>> {
  const stale = new Map<string, ImageInfo | null>();
  for (const image of TEST_IMAGES) {
    const info = await inspectImage(image);
    if (info?.hash !== (image === NETHELPER_IMAGE ? inputs.nethelperHash : inputs.hash)) stale.set(image, info);
  }
  return stale;
}

async function build(inputs: Inputs, stale: Map<string, ImageInfo | null>, log: Log): Promise<void> {
  const { hash, nethelperHash } = inputs;
  if (stale.has(STANDIN_IMAGE)) {
    const root = join(BUILD_DIR, 'openplc-runtime-rootfs');
    await timed(log, STANDIN_IMAGE, async () => {
      await assembleStandin(root, inputs);
      await importRootfs(root, STANDIN_IMAGE, runtimeChanges(hash));
    });
  }
  for (const v of STANDIN_VARIANTS) {
    if (stale.has(v.image)) await timed(log, v.image, () => buildVariant(STANDIN_IMAGE, v.image, v.config, hash));
  }
  if (stale.has(NETHELPER_IMAGE)) {
    const root = join(BUILD_DIR, 'nethelper-rootfs');
    await timed(log, NETHELPER_IMAGE, async () => {
      await assembleBase(root);
      await importRootfs(root, NETHELPER_IMAGE, nethelperChanges(nethelperHash));
    });
  }
  // Drop superseded images (children first); one still used by a container just stays.
  for (const old of [...stale.values()].reverse()) {
    if (old) await execFileAsync('docker', ['image', 'rm', old.id]).catch(() => undefined);
  }
}

/** Builds whichever test images are missing or out of date; cheap (a few `docker image inspect`) when all are current. */
export async function ensureTestImages(log: Log = (line) => console.log(line)): Promise<void> {
  await requireDockerEngine();
  const inputs = await collectInputs();
  let built = new Set<string>();
  if ((await staleImages(inputs)).size > 0) {
    built = await withBuildLock(async () => {
      const stale = await staleImages(inputs); // another process may have built them meanwhile
      await build(inputs, stale, log);
      return new Set(stale.keys());
    });
  }
  for (const image of TEST_IMAGES) if (!built.has(image)) log(`reused  ${image}`);
  log(`test images at input hash ${inputs.hash}`);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(resolve(script))).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const started = Date.now();
  ensureTestImages()
    .then(() => console.log(`test images ok (${((Date.now() - started) / 1000).toFixed(1)} s)`))
    .catch((err: unknown) => {
      console.error(`test image build failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
}
