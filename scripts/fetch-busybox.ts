#!/usr/bin/env -S npx tsx
// Fetches Debian's busybox-static for each architecture the packages are built for and places its static binary and
// its copyright file in build/busybox/<electron-builder arch>/ (build output, never committed), from where
// electron-builder's extraResources copies them to resources/busybox (docs/runtime-images.md "The helper's busybox").
// Only the configured apt repositories are used: `apt-get download` with a private state directory that adds the
// foreign architecture for this run, so the build machine's dpkg and apt configuration stay untouched.
// Usage: tsx scripts/fetch-busybox.ts [x64|arm64 ...] [--out DIR]   (default: x64 arm64, build/busybox)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { elfFacts } from '../electron/workers/orchestrator/helper-image/elf.js';

/** electron-builder's arch names, with Debian's architecture and the ELF machine (elf.ts's words) each must be. */
export const BUSYBOX_ARCHES = { x64: { debian: 'amd64', machine: 'amd64' }, arm64: { debian: 'arm64', machine: 'arm64' } } as const;
export type BusyboxArch = keyof typeof BUSYBOX_ARCHES;

export type FetchedBusybox = { arch: BusyboxArch; binary: string; copyright: string; version: string };

const run = (cmd: string, args: string[]): string => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
};

/** Options that give apt a private state (package lists, cache) knowing the host's and the wanted architectures. */
function aptOptions(state: string, debianArch: string): string[] {
  const host = run('dpkg', ['--print-architecture']).trim();
  const arches = [...new Set([host, debianArch])];
  return [
    '-o', `APT::Architecture=${host}`,
    ...arches.flatMap((a) => ['-o', `APT::Architectures::=${a}`]),
    '-o', `Dir::State::Lists=${path.join(state, 'lists')}`,
    '-o', `Dir::Cache=${path.join(state, 'cache')}`,
    '-o', 'Dir::State::status=/dev/null',
    // The download lands in our temporary directory, which apt's sandbox user cannot write.
    '-o', 'APT::Sandbox::User=root',
  ];
}

/** Downloads busybox-static for one architecture into `outDir/<arch>/` and checks it; throws with the cause otherwise. */
export function fetchBusybox(arch: BusyboxArch, outDir: string): FetchedBusybox {
  const { debian, machine } = BUSYBOX_ARCHES[arch];
  const work = mkdtempSync(path.join(tmpdir(), `vplc-busybox-${arch}-`));
  try {
    for (const d of ['lists/partial', 'cache/archives/partial', 'x']) mkdirSync(path.join(work, d), { recursive: true });
    const opts = aptOptions(work, debian);
    try {
      run('apt-get', ['-q', ...opts, 'update']);
      execFileSync('apt-get', ['-q', ...opts, 'download', `busybox-static:${debian}`], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const why = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim();
      throw new Error(`cannot download busybox-static for ${arch} (Debian ${debian}) from the configured apt repositories: ${why}`, { cause: err });
    }
    const deb = readdirSync(work).find((f) => f.endsWith(`_${debian}.deb`));
    if (!deb) throw new Error(`apt-get download left no busybox-static_*_${debian}.deb`);
    const version = run('dpkg-deb', ['-f', path.join(work, deb), 'Version']).trim();
    run('dpkg-deb', ['-x', path.join(work, deb), path.join(work, 'x')]);
    const binary = path.join(work, 'x/bin/busybox');
    const copyright = path.join(work, 'x/usr/share/doc/busybox-static/copyright');
    if (!existsSync(binary)) throw new Error(`busybox-static ${version} (${debian}) has no bin/busybox`);
    if (!existsSync(copyright)) throw new Error(`busybox-static ${version} (${debian}) has no copyright file`);
    const facts = elfFacts(readFileSync(binary));
    if (!facts.static) throw new Error(`busybox-static ${version} (${debian}): bin/busybox is dynamically linked`);
    if (facts.machine !== machine) throw new Error(`busybox-static ${version} (${debian}): bin/busybox is for ${facts.machine}, not ${machine}`);
    const dest = path.join(outDir, arch);
    mkdirSync(dest, { recursive: true });
    const placed = { binary: path.join(dest, 'busybox'), copyright: path.join(dest, 'copyright') };
    copyFileSync(binary, placed.binary);
    chmodSync(placed.binary, 0o755);
    copyFileSync(copyright, placed.copyright);
    return { arch, version, ...placed };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  let out = path.join(root, 'build', 'busybox');
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--out') {
      const dir = argv[++i];
      if (!dir) throw new Error('--out needs a directory');
      out = path.resolve(dir);
    } else names.push(a);
  }
  const wanted = names.length ? names : Object.keys(BUSYBOX_ARCHES);
  for (const name of wanted) {
    if (!(name in BUSYBOX_ARCHES)) throw new Error(`unknown architecture ${name} (known: ${Object.keys(BUSYBOX_ARCHES).join(', ')})`);
  }
  for (const arch of wanted as BusyboxArch[]) {
    const got = fetchBusybox(arch, out);
    console.log(`busybox-static ${got.version} for ${arch}: ${path.relative(process.cwd(), got.binary)} (+ copyright)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(`fetch-busybox: ${(err as Error).message}`);
    process.exit(1);
  }
}
