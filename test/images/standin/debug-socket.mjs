// The `/api/debug` Socket.IO namespace: a JWT (auth.token, else ?token=) from this stand-in's login is required;
// on connect the runtime emits `connected` {"status":"ok"}; each `debug_command` is answered with a `debug_response`
// event (and an empty ack when the client asked for one), as recorded (test/fixtures/openplc-runtime-v4.1.4/debug/).
// Test switch (not in the real runtime): a reply delay, set by STANDIN_DEBUG_DELAY_MS or POST /standin/debug-delay?ms=.
// The real webserver gives up waiting for its core after 2 s; what it then answers was not recorded, so with a delay of
// 2000 ms or more the stand-in never answers that command.
import { createDebugCommands, RECORDED_MD5 } from './debug.mjs';

export const DEBUG_GIVE_UP_MS = 2000;

export function createDebugNamespace({ auth, plc, state, delayMs = 0 }) {
  let delay = delayMs;
  const handle = createDebugCommands({
    plc,
    md5: () => state.data.program?.debug_md5 ?? RECORDED_MD5,
  });

  function tokenOf(authData, query) {
    if (authData && typeof authData === 'object' && typeof authData.token === 'string') return authData.token;
    return typeof query.token === 'string' ? query.token : null;
  }

  const namespace = {
    authorize({ auth: authData, query }) {
      const token = tokenOf(authData, query);
      return token !== null && token !== '' && Boolean(auth.check(`Bearer ${token}`).claims);
    },
    onConnect(client) {
      client.emit('connected', { status: 'ok' });
    },
    events: {
      async debug_command(client, args) {
        const wait = delay;
        if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, DEBUG_GIVE_UP_MS)));
        if (wait >= DEBUG_GIVE_UP_MS) return [];
        // Computed after the delay: the values are those of the moment the core answers.
        client.emit('debug_response', handle(args[0]));
        return [];
      },
    },
  };

  return {
    namespace,
    setDelay(ms) {
      delay = Math.max(0, ms);
    },
    delay: () => delay,
  };
}
