import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type AutostartEnv = { XDG_CONFIG_HOME?: string; HOME?: string; APPIMAGE?: string };

/** `app.setLoginItemSettings` does nothing on Linux, so we write the XDG autostart entry ourselves (docs/architecture.md §G). */
export function autostartFile(env: AutostartEnv): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME ?? '', '.config'), 'autostart', 'vplc-orchestrator.desktop');
}

/** For an AppImage, Exec must be $APPIMAGE: process.execPath points into /tmp/.mount_*, gone after a reboot. */
export function launcherPath(env: AutostartEnv, execPath: string): string {
  return env.APPIMAGE || (execPath.startsWith('/opt/') ? '/usr/bin/vplc-orchestrator' : execPath);
}

/** Desktop Entry quoting: arguments with reserved characters are double-quoted with `"`, `` ` ``, `$`, `\` escaped. */
export function quoteExec(arg: string): string {
  return /[\s"'\\`$<>~|&;*?#()]/.test(arg) ? `"${arg.replace(/(["`$\\])/g, '\\$1')}"` : arg;
}

export function autostartEntry(exec: string): string {
  return ['[Desktop Entry]', 'Type=Application', 'Name=vPLC Orchestrator', `Exec=${quoteExec(exec)} --hidden`, 'X-GNOME-Autostart-enabled=true', 'Terminal=false', ''].join('\n');
}

export type AutostartState = { enabled: boolean; stale: boolean };

/** Read from the file itself: enabled when it exists; stale when its Exec no longer points at us (a moved AppImage). */
export function readAutostart(env: AutostartEnv, execPath: string): AutostartState {
  const file = autostartFile(env);
  if (!existsSync(file)) return { enabled: false, stale: false };
  const exec = /^Exec=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '';
  return { enabled: true, stale: !exec.startsWith(`${quoteExec(launcherPath(env, execPath))} `) };
}

export function setAutostart(env: AutostartEnv, execPath: string, enabled: boolean): void {
  const file = autostartFile(env);
  if (!enabled) return rmSync(file, { force: true });
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, autostartEntry(launcherPath(env, execPath)), { mode: 0o644 });
}
