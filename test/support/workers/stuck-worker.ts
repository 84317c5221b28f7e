// A worker thread that never answers the supervisor: no `ready`, no answer to a probe (its event loop idles, which is
// not enough while starting). It stands in for a worker that hangs while starting, so the supervisor's liveness
// deadline ends it and restarts the slot with backoff.
setInterval(() => undefined, 60_000);
