// What the real runtime keeps in its container's writable layer: users, the JWT secret, the loaded program and whether
// it was running. Written atomically (temp file + rename). With no directory (a plain Node process run by a test
// without STANDIN_STATE_DIR) the state lives in memory only.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

function fresh() {
  return { jwt_secret: randomBytes(32).toString('hex'), users: [], program: null, running: false, compiled_once: false };
}

export function openState(dir, log) {
  const file = dir ? `${dir}/state.json` : null;
  let state = fresh();
  if (file) {
    try {
      state = { ...fresh(), ...JSON.parse(readFileSync(file, 'utf8')) };
    } catch (err) {
      if (err.code !== 'ENOENT') log(`state: starting fresh, ${file} unreadable: ${err.message}`);
    }
  }
  const save = () => {
    if (!file) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  };
  save();
  return { data: state, save };
}
