#!/usr/bin/env node
// An fpm stand-in for the packaging smoke test (electron-builder's CUSTOM_FPM_PATH): understands the `-s dir -t deb`
// arguments electron-builder passes and builds the package with Debian's own dpkg-deb. Fails loudly on anything it
// does not understand, so a changed electron-builder cannot silently produce a different package.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const opts = { depends: [], recommends: [] };
const maps = [];
const VALUE = new Set(['-s', '-t', '--architecture', '--after-install', '--after-remove', '--before-remove', '--description', '--version', '--package', '--name', '--maintainer', '--vendor', '--url', '--category', '--deb-priority', '--deb-compression', '--license', '--iteration', '--log']);
for (let i = 0; i < args.length; i++) {
  let a = args[i];
  let v;
  if (a.startsWith('--') && a.includes('=')) [a, v] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
  if (a === '--force' || a === '--debug') continue;
  if (a === '-d') opts.depends.push(args[++i]);
  else if (a === '--deb-recommends') opts.recommends.push(v ?? args[++i]);
  else if (VALUE.has(a)) opts[a.replace(/^-+/, '')] = v ?? args[++i];
  else if (!a.startsWith('-') && a.includes('=')) maps.push(a);
  else {
    console.error(`fpm stand-in: unsupported argument ${a}`);
    process.exit(2);
  }
}
if (opts.s !== 'dir' || opts.t !== 'deb') {
  console.error(`fpm stand-in: only -s dir -t deb is supported (got -s ${opts.s} -t ${opts.t})`);
  process.exit(2);
}
for (const k of ['name', 'version', 'architecture', 'maintainer', 'package', 'description']) {
  if (!opts[k]) {
    console.error(`fpm stand-in: missing --${k}`);
    process.exit(2);
  }
}

const root = mkdtempSync(path.join(tmpdir(), 'fpm-standin-'));
try {
  for (const m of maps) {
    const at = m.lastIndexOf('=');
    const src = m.slice(0, at);
    const dst = path.join(root, m.slice(at + 1));
    if (statSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true });
      cpSync(src.replace(/\/$/, ''), dst, { recursive: true, verbatimSymlinks: true });
    } else {
      mkdirSync(path.dirname(dst), { recursive: true });
      copyFileSync(src, dst);
    }
  }
  const debian = path.join(root, 'DEBIAN');
  mkdirSync(debian, { recursive: true });
  const [synopsis, ...rest] = opts.description.split('\n');
  const control = [
    `Package: ${opts.name}`,
    `Version: ${opts.version}`,
    `Architecture: ${opts.architecture}`,
    `Maintainer: ${opts.maintainer}`,
    ...(opts.vendor ? [`Vendor: ${opts.vendor}`] : []),
    ...(opts.depends.length ? [`Depends: ${opts.depends.join(', ')}`] : []),
    ...(opts.recommends.length ? [`Recommends: ${opts.recommends.join(', ')}`] : []),
    ...(opts.category ? [`Section: ${opts.category}`] : []),
    `Priority: ${opts['deb-priority'] ?? 'optional'}`,
    ...(opts.url ? [`Homepage: ${opts.url}`] : []),
    `Description: ${synopsis.trim() || opts.name}`,
    ...rest.map((l) => (l.trim() ? ` ${l.trim()}` : ' .')),
    '',
  ].join('\n');
  writeFileSync(path.join(debian, 'control'), control);
  for (const [flag, script] of [['after-install', 'postinst'], ['after-remove', 'postrm'], ['before-remove', 'prerm']]) {
    if (!opts[flag]) continue;
    copyFileSync(opts[flag], path.join(debian, script));
    chmodSync(path.join(debian, script), 0o755);
  }
  mkdirSync(path.dirname(opts.package), { recursive: true });
  rmSync(opts.package, { force: true });
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${opts['deb-compression'] ?? 'xz'}`, '--build', root, opts.package], { stdio: 'inherit' });
} finally {
  rmSync(root, { recursive: true, force: true });
}
