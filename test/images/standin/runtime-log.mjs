// The runtime's own log, served by GET /api/runtime-logs: numbered entries with a level, kept in memory by the
// process (a restarted container starts again at id 1, as the real one does). Mirrored to stdout for `docker logs`.
const MAX_ENTRIES = 5000;

function timestamp(d = new Date()) {
  return `${d.toISOString().slice(0, 19)}+0000`;
}

export function createRuntimeLog(echo = () => undefined) {
  const entries = [];
  let nextId = 1;
  const add = (level, message) => {
    entries.push({ id: nextId++, level, message, timestamp: timestamp() });
    if (entries.length > MAX_ENTRIES) entries.shift();
    echo(`[${level}] ${message}`);
  };
  return {
    info: (m) => add('INFO', m),
    warning: (m) => add('WARNING', m),
    error: (m) => add('ERROR', m),
    /** `?id=N` answers the entries from id N on; `?level=` keeps one level. */
    query({ id, level } = {}) {
      const from = Number.parseInt(String(id ?? ''), 10);
      const wanted = level ? String(level).toUpperCase() : null;
      return entries.filter((e) => (!Number.isFinite(from) || e.id >= from) && (!wanted || e.level === wanted));
    },
  };
}
