import { execFile } from 'node:child_process';

export type RunCommand = (file: string, args: string[]) => Promise<string>;

const run: RunCommand = (file, args) =>
  new Promise((resolve, reject) => execFile(file, args, { timeout: 2_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));

/**
 * Whether the session has a tray host (a StatusNotifierWatcher on D-Bus). Vanilla GNOME has none, so there closing
 * the window must quit instead of hiding it somewhere the user cannot see (docs/architecture.md §G). No D-Bus, no dbus-send,
 * or no answer within 2 s all mean "no tray".
 */
export async function hasTrayHost(exec: RunCommand = run): Promise<boolean> {
  try {
    const out = await exec('dbus-send', [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus',
      'org.freedesktop.DBus.NameHasOwner',
      'string:org.kde.StatusNotifierWatcher',
    ]);
    return /boolean\s+true/.test(out);
  } catch {
    return false;
  }
}
