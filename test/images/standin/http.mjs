// Response helpers shaped like the real runtime's (Flask on Werkzeug): compact JSON with sorted keys and a trailing
// newline, Werkzeug's HTML error pages, the same headers, and `Connection: close` on every answer.
export const RUNTIME_VERSION = 'v4.1.4';
const SERVER = 'Werkzeug/3.1.3 Python/3.13.5';

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  }
  return value;
}

/** Flask's jsonify: `{"a":1}\n` with keys sorted. */
export function flaskJson(value) {
  return `${JSON.stringify(sortKeys(value))}\n`;
}

/** `runtimeHeader`: the runtime adds X-OpenPLC-Runtime-Version to its /api answers, not to Werkzeug's own 404. */
export function send(res, status, contentType, text, { runtimeHeader = true, extra = {} } = {}) {
  const headers = {
    Server: SERVER,
    Date: new Date().toUTCString(),
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  };
  if (runtimeHeader) headers['X-OpenPLC-Runtime-Version'] = RUNTIME_VERSION;
  headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

export function sendApiJson(res, status, body) {
  send(res, status, 'application/json', flaskJson(body));
}

const HTML_PAGES = {
  400: ['Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'],
  404: [
    'Not Found',
    'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.',
  ],
  405: ['Method Not Allowed', 'The method is not allowed for the requested URL.'],
  415: ['Unsupported Media Type', 'Did not attempt to load JSON data because the request Content-Type was not &#39;application/json&#39;.'],
  500: [
    'Internal Server Error',
    'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.',
  ],
};

/** Werkzeug's HTML error page for `status` (`detail` replaces the default paragraph). */
export function sendHtmlError(res, status, { detail, runtimeHeader = true } = {}) {
  const [title, text] = HTML_PAGES[status] ?? HTML_PAGES[500];
  const page = `<!doctype html>\n<html lang=en>\n<title>${status} ${title}</title>\n<h1>${title}</h1>\n<p>${detail ?? text}</p>\n`;
  send(res, status, 'text/html; charset=utf-8', page, { runtimeHeader });
}

export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
