// The runtime's /api surface, as recorded from a real OpenPLC v4.1.4 (test/fixtures/openplc-runtime-v4.1.4/).
import { multipartParts } from './multipart.mjs';
import { RUNTIME_VERSION, sendApiJson, sendHtmlError } from './http.mjs';

// Flask's request.get_json(): 415 unless the type is JSON, 400 when the body does not parse.
function jsonBody(req, body) {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[^/]*\+json$/.test(type)) return { error: 415 };
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { error: 400 };
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

export function createApi({ auth, plc, compiler, runtimeLog }) {
  function requireToken(req, res) {
    const verdict = auth.check(req.headers.authorization);
    if (verdict.claims) return verdict.claims;
    sendApiJson(res, verdict.status, { msg: verdict.msg });
    return null;
  }

  function createUser(req, res, body) {
    if (auth.hasUsers()) {
      if (req.headers.authorization === undefined) return sendApiJson(res, 401, { msg: 'User already created!' });
      if (!requireToken(req, res)) return undefined;
    }
    const parsed = jsonBody(req, body);
    if (parsed.error) return sendHtmlError(res, parsed.error);
    if (!isObject(parsed.value)) return sendHtmlError(res, 500);
    const { username, password } = parsed.value;
    if (!username || !password) return sendApiJson(res, 400, { msg: 'Missing username or password' });
    const id = auth.createUser(String(username), String(password));
    if (id === null) return sendApiJson(res, 409, { msg: 'Username already exists' });
    return sendApiJson(res, 201, { id, msg: 'User created' });
  }

  function login(req, res, body) {
    const parsed = jsonBody(req, body);
    if (parsed.error) return sendHtmlError(res, parsed.error);
    if (!isObject(parsed.value)) return sendHtmlError(res, 500);
    const token = auth.login(String(parsed.value.username ?? ''), parsed.value.password);
    if (!token) return sendApiJson(res, 401, 'Wrong username or password');
    return sendApiJson(res, 200, { access_token: token });
  }

  function get(res, name, url) {
    switch (name) {
      case 'status': {
        const answer = { status: plc.statusWord() };
        if (url.searchParams.get('include_stats')?.toLowerCase() === 'true') answer.timing_stats = plc.timingStats();
        return sendApiJson(res, 200, answer);
      }
      case 'start-plc':
        return sendApiJson(res, 200, { status: plc.start() });
      case 'stop-plc':
        return sendApiJson(res, 200, { status: plc.stop() });
      case 'ping':
        return sendApiJson(res, 200, { status: 'PING:OK' });
      case 'compilation-status':
        return sendApiJson(res, 200, compiler.statusBody());
      case 'runtime-logs':
        return sendApiJson(res, 200, {
          'runtime-logs': runtimeLog.query({ id: url.searchParams.get('id') ?? undefined, level: url.searchParams.get('level') ?? undefined }),
        });
      default:
        return sendApiJson(res, 200, { error: 'Unknown argument' });
    }
  }

  function post(req, res, name, body, claims) {
    switch (name) {
      case 'logout':
        auth.revoke(claims);
        return sendApiJson(res, 200, { msg: 'User logged out successfully' });
      case 'upload-file': {
        const file = multipartParts(req.headers['content-type'], body).find((p) => p.name === 'file' && p.filename !== null);
        return sendApiJson(res, 200, compiler.upload(file ?? null));
      }
      default:
        return sendApiJson(res, 200, { PostRequestError: 'Unknown argument' });
    }
  }

  /** Answers a request under /api/; false when the path is not one the runtime routes (the caller answers 404). */
  return function handleApi(req, res, url, body) {
    const name = /^\/api\/([^/]+)$/.exec(url.pathname)?.[1];
    if (!name) return false;
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendHtmlError(res, 405);
      return true;
    }
    if (req.method === 'GET' && name === 'version') sendApiJson(res, 200, { version: RUNTIME_VERSION });
    else if (req.method === 'POST' && name === 'create-user') createUser(req, res, body);
    else if (req.method === 'POST' && name === 'login') login(req, res, body);
    else {
      const claims = requireToken(req, res);
      if (claims && req.method === 'GET') get(res, name, url);
      else if (claims) post(req, res, name, body, claims);
    }
    return true;
  };
}
