import { execFileSync } from 'node:child_process';

/** A real dependency is missing: the suite fails (never skips) and says how to fix it. */
export class MissingDependency extends Error {
  constructor(what: string, fix: string) {
    super(`${what} is not available: ${fix}`);
    this.name = 'MissingDependency';
  }
}

export function requireDocker(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
  } catch {
    throw new MissingDependency('the Docker engine', 'run scripts/test-all (as root) to install and start dockerd');
  }
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new MissingDependency('root', 'network-namespace and veth tests must run as root (scripts/test-all)');
}

export const CHROMIUM = process.env.VPLC_CHROMIUM ?? '/usr/bin/chromium';

export function requireChromium(): void {
  try {
    execFileSync(CHROMIUM, ['--version'], { stdio: 'pipe', timeout: 30_000 });
  } catch {
    throw new MissingDependency(`Chromium (${CHROMIUM})`, 'install Debian\'s chromium package (scripts/test-all does) or set VPLC_CHROMIUM');
  }
}
