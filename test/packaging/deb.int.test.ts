// Packaging smoke test: electron-builder builds the .deb here, offline, against a stub Electron
// distribution (the real binary cannot be downloaded on these machines) and an fpm stand-in built on dpkg-deb; the
// test then inspects the package: control fields, layout, desktop entry, icons, maintainer scripts, the systemd unit
// and the app archive. Release fuses are off in this build (they cannot be flipped on a stub). The bundled busybox is
// fetched from the configured apt repositories like `npm run dist` does. Runtime: about 30-60 s.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elfFacts } from '../../electron/workers/orchestrator/helper-image/elf.js';
import { fetchBusybox } from '../../scripts/fetch-busybox.js';
import { tempDir } from '../support/pki.js';
import { MissingDependency } from '../support/require.js';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string; name: string };
const tmp = tempDir('vplc-pkg-');
const out = path.join(tmp.dir, 'release');
const x = path.join(tmp.dir, 'x');
let deb = '';

const need = (cmd: string, debianPackage: string): void => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
  } catch {
    throw new MissingDependency(cmd, `install Debian's ${debianPackage} package (scripts/test-all does)`);
  }
};
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The files electron-builder expects in an unpacked Electron for Linux; the binary is a script, never run. */
function stubElectron(dir: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  mkdirSync(path.join(dir, 'locales'), { recursive: true });
  writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\necho "stub Electron for the packaging test" >&2\nexit 1\n');
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'chrome-sandbox'), '');
  writeFileSync(path.join(dir, 'locales', 'en-US.pak'), '');
  writeFileSync(path.join(dir, 'LICENSE'), 'stub\n');
  writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<html></html>\n');
  writeFileSync(path.join(dir, 'version'), '41.7.1');
}

beforeAll(async () => {
  need('dpkg-deb', 'dpkg');
  need('desktop-file-validate', 'desktop-file-utils');
  for (const f of ['dist/electron/shell/main.js', 'dist/electron/preload/index.cjs', 'renderer/dist/index.html']) {
    if (!existsSync(path.join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does)`);
  }
  need('apt-get', 'apt');
  execFileSync(process.execPath, [path.join(root, 'scripts/package-scripts.mjs')], { stdio: 'pipe' });
  fetchBusybox('x64', path.join(root, 'build/busybox'));
  const electronDist = path.join(tmp.dir, 'electron-dist');
  stubElectron(electronDist);
  process.env.CUSTOM_FPM_PATH = path.join(root, 'test/packaging/fpm-standin.mjs');
  const { build, Platform, Arch } = await import('electron-builder');
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget(['deb'], Arch.x64),
    publish: 'never',
    config: {
      extends: path.join(root, 'build/electron-builder.yml'),
      electronDist,
      directories: { output: out, buildResources: path.join(root, 'build') },
      // Fuses are flipped inside the real Electron binary; the stub has none.
      electronFuses: null,
    },
  });
  deb = path.join(out, readdirSync(out).find((f) => f.endsWith('.deb')) ?? '');
  run('dpkg-deb', ['-R', deb, x]);
}, 240_000);

afterAll(() => tmp.dispose());

describe('the .deb package', () => {
  it('has the control fields: name, version, maintainer, dependencies, Docker as a recommendation', () => {
    const field = (f: string): string => run('dpkg-deb', ['-f', deb, f]).trim();
    expect(path.basename(deb)).toBe(`${pkg.name}_${pkg.version}_amd64.deb`);
    expect(field('Package')).toBe('vplc-orchestrator');
    expect(field('Version')).toBe(pkg.version);
    expect(field('Architecture')).toBe('amd64');
    expect(field('Maintainer')).toBe('vPLC Orchestrator <support@vplc-orchestrator.invalid>');
    expect(field('Depends').split(', ')).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libayatana-appindicator3-1 | libappindicator3-1', 'busybox-static | busybox']));
    expect(field('Recommends')).toBe('docker.io | docker-ce, iptables');
    expect(field('Homepage')).toBe('https://vplc-orchestrator.invalid/');
  });

  it('installs the app under /opt/vPLC-Orchestrator with its executable, sandbox helper and resources', () => {
    const opt = path.join(x, 'opt/vPLC-Orchestrator');
    expect(existsSync(path.join(opt, 'vplc-orchestrator'))).toBe(true);
    expect(existsSync(path.join(opt, 'electron'))).toBe(false);
    expect(existsSync(path.join(opt, 'chrome-sandbox'))).toBe(true);
    expect(existsSync(path.join(opt, 'resources/app.asar'))).toBe(true);
    expect(existsSync(path.join(opt, 'resources/README.md'))).toBe(true);
    expect(existsSync(path.join(opt, 'resources/apparmor-profile'))).toBe(true);
  });

  it('ships a static busybox for its arch with its GPL-2.0 copyright file as resources/busybox (the helper image fallback)', () => {
    const resources = path.join(x, 'opt/vPLC-Orchestrator/resources');
    const busybox = path.join(resources, 'busybox');
    expect(elfFacts(readFileSync(busybox))).toEqual({ machine: 'amd64', static: true });
    expect(statSync(busybox).mode & 0o111).toBe(0o111);
    expect(readFileSync(path.join(resources, 'busybox.copyright'), 'utf8')).toMatch(/GPL-2|GNU General Public License/);
  });

  it('ships a desktop entry that passes desktop-file-validate and points at /opt', () => {
    const file = path.join(x, 'usr/share/applications/vplc-orchestrator.desktop');
    const text = readFileSync(file, 'utf8');
    expect(run('desktop-file-validate', [file])).toBe('');
    expect(text).toMatch(/^Name=vPLC Orchestrator$/m);
    expect(text).toMatch(/^Exec=\/opt\/vPLC-Orchestrator\/vplc-orchestrator %U$/m);
    expect(text).toMatch(/^Icon=vplc-orchestrator$/m);
    expect(text).toMatch(/^StartupWMClass=vPLC-Orchestrator$/m);
  });

  it('ships the icon at every size from 16 to 512 px', () => {
    for (const s of [16, 24, 32, 48, 64, 128, 256, 512]) {
      const icon = path.join(x, `usr/share/icons/hicolor/${s}x${s}/apps/vplc-orchestrator.png`);
      const png = readFileSync(icon);
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([s, s]);
    }
  });

  it('installs and enables the agent service after electron-builder’s own post-install steps', () => {
    const postinst = readFileSync(path.join(x, 'DEBIAN/postinst'), 'utf8');
    const upstream = postinst.indexOf("chmod 4755 '/opt/vPLC-Orchestrator/chrome-sandbox'");
    const apparmor = postinst.indexOf("APPARMOR_PROFILE_TARGET='/etc/apparmor.d/vplc-orchestrator'");
    const enable = postinst.indexOf('systemctl enable vplc-orchestrator.service');
    expect(upstream).toBeGreaterThan(0);
    expect(apparmor).toBeGreaterThan(upstream);
    expect(enable).toBeGreaterThan(apparmor);
    expect(postinst).toContain("update-alternatives --install '/usr/bin/vplc-orchestrator' 'vplc-orchestrator' '/opt/vPLC-Orchestrator/vplc-orchestrator' 100");
    expect(postinst).toContain('useradd --system --gid vplc-orchestrator');
    expect(postinst).toContain('sudo usermod -aG vplc-orchestrator \\$USER');
    expect(readFileSync(path.join(root, 'build/linux/vplc-orchestrator.service'), 'utf8')).toBe(readFileSync(path.join(x, 'lib/systemd/system/vplc-orchestrator.service'), 'utf8'));
    for (const script of ['postinst', 'postrm', 'prerm']) run('bash', ['-n', path.join(x, 'DEBIAN', script)]);
  });

  it('prints the service unit’s systemd-analyze security exposure, and keeps it below "medium"', (ctx) => {
    const unit = path.join(x, 'lib/systemd/system/vplc-orchestrator.service');
    let report: string;
    try {
      // --offline needs systemd 250+ (Debian 12 has 252); it reads the file and needs no running systemd.
      report = execFileSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unit], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'systemd-analyze is not installed' : `systemd-analyze security --offline is not available here: ${String((err as { stderr?: unknown }).stderr ?? err).trim().split('\n')[0]}`;
      process.stdout.write(`[packaging] skipped the exposure score: ${why}\n`);
      ctx.skip(why);
      return;
    }
    const overall = /Overall exposure level for \S+: ([\d.]+) (\S+)/.exec(report);
    process.stdout.write(`[packaging] systemd-analyze security: ${overall?.[1] ?? '?'} ${overall?.[2] ?? ''}\n`);
    expect(overall, report).not.toBeNull();
    // Electron in agent mode keeps namespaces, W+X memory and the network (docs/security.md); the rest is closed.
    expect(Number(overall?.[1])).toBeLessThan(5);
  });

  it('stops the service on removal and never removes data, the mTLS directory or containers', () => {
    const prerm = readFileSync(path.join(x, 'DEBIAN/prerm'), 'utf8');
    const postrm = readFileSync(path.join(x, 'DEBIAN/postrm'), 'utf8');
    expect(prerm).toContain('systemctl stop vplc-orchestrator.service');
    expect(postrm).toContain("update-alternatives --remove 'vplc-orchestrator' '/opt/vPLC-Orchestrator/vplc-orchestrator'");
    for (const text of [prerm, postrm]) {
      expect(text).not.toMatch(/docker (rm|rmi|container rm|network rm)/);
      expect(text).not.toMatch(/rm -r?f?r?\s+\S*\/var\/lib/);
      expect(text).not.toMatch(/userdel|groupdel/);
    }
  });

  it('packs the agent core, its workers, the preload and the renderer in app.asar, and no tests, sources, keys or Electron', async () => {
    const { listPackage } = await import('@electron/asar');
    const files = listPackage(path.join(x, 'opt/vPLC-Orchestrator/resources/app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    const expected = [
      '/package.json',
      '/dist/electron/shell/main.js',
      '/dist/electron/core/agent.js',
      '/dist/electron/core/headless.js',
      '/dist/electron/preload/index.cjs',
      '/dist/electron/workers/orchestrator/entry.js',
      '/dist/electron/workers/netmon/entry.js',
      '/dist/electron/workers/cloudlink/entry.js',
      '/renderer/dist/index.html',
      '/resources/tray/connected.png',
      '/resources/icons/icon.png',
      '/node_modules/dockerode/package.json',
      // werift's ESM entry (its exports' "import": the agent imports it on the first WebRTC offer) and two of its
      // dependencies, which npm hoisted to the top level.
      '/node_modules/werift/lib/index.mjs',
      '/node_modules/multicast-dns/package.json',
      '/node_modules/@noble/curves/package.json',
    ];
    for (const f of expected) {
      expect(files).toContain(f);
    }
    // The bundled entries' shared and lazy chunks (scripts/build-bundles.mjs) ship; the bundler's metafile does not.
    expect(files.filter((f) => /^\/dist\/electron\/chunks\/[^/]+\.js$/.test(f)).length).toBeGreaterThan(0);
    expect(files).not.toContain('/dist/bundle-meta.json');
    expect(files.filter((f) => /^\/(test|bench|electron|shared|renderer\/src)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /\.(ts|tsx|mts|cts|map|key|pem)$/.test(f))).toEqual([]);
    expect(files.filter((f) => /^\/node_modules\/(electron|vitest|vite|playwright-core|typescript)\//.test(f))).toEqual([]);
  });
});
