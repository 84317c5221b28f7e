// A runtime password or access token never reaches the log file or the UI's log tail, whatever shape the record
// carries it in: a key named password / access_token / token, an Authorization header, a Bearer value in a message,
// a raw JSON body (also JSON quoted inside JSON, as the runtime's login-json-string-body fixture shows), or a JWT on
// its own. Written through the real logger to a real file, then grepped (docs/plc.md "Credentials").
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogHub } from '../../../../../electron/core/logging/log-hub.js';
import { createLogger } from '../../../../../electron/core/logging/logger.js';
import { redactString } from '../../../../../electron/core/logging/redact.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-log-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PASSWORD = 'Runtime-Pw-7731';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiZXhwIjoxNzk2NDA0MDAwfQ.k2m3n4o5p6q7r8s9t0u1v2w3x4y5z6A7B8C9D0E1F2G';

describe('log redaction of runtime credentials', () => {
  it('masks them in the file and the hub in every shape a record may carry them', () => {
    const file = path.join(dir, 'logs', 'agent.log');
    const hub = new LogHub();
    const log = createLogger({ file, level: 'debug', hub, console: false }).scope('plc');
    log.info('login', { username: 'admin', password: PASSWORD });
    log.info('session', { response: { access_token: JWT }, token: JWT });
    log.debug('request', { headers: { Authorization: `Bearer ${JWT}`, 'content-type': 'application/json' } });
    log.warn(`runtime answered 401 to GET /api/status with Authorization: Bearer ${JWT}`);
    log.warn('runtime said', { body: `{"username": "admin", "password": "${PASSWORD}"}` });
    log.warn('runtime said', { body: JSON.stringify(JSON.stringify({ username: 'admin', password: PASSWORD })) });
    log.error('login failed', { err: new Error(`POST /api/login {"username":"admin","password":"${PASSWORD}"} -> {"access_token":"${JWT}"}`) });
    log.info(`got token ${JWT} for plc1`);
    log.info('form', { sent: `username=admin&password=${PASSWORD}` });

    const written = readFileSync(file, 'utf8');
    const tail = JSON.stringify(hub.tail(100));
    for (const [where, text] of [
      ['file', written],
      ['hub', tail],
    ] as const) {
      expect(text, where).not.toContain(PASSWORD);
      expect(text, where).not.toContain(JWT.split('.')[1]);
      expect(text, where).not.toContain(JWT.split('.')[2]);
    }
    expect(written.trim().split('\n')).toHaveLength(10);
    // What is not secret stays readable.
    expect(written).toContain('"username":"admin"');
    expect(written).toContain('application/json');
    expect(written).toContain('GET /api/status');
  });

  it('masks secret JSON members, quoted JSON and bare JWTs in text, idempotently, and leaves look-alikes alone', () => {
    const cases: Array<[string, string]> = [
      [`{"username":"admin","password":"${PASSWORD}"}`, '{"username":"admin","password":"[redacted]"}'],
      [`{"access_token": "${JWT}"}`, '{"access_token": "[redacted]"}'],
      [`"{\\"username\\": \\"admin\\", \\"password\\": \\"${PASSWORD}\\"}"`, '"{\\"username\\": \\"admin\\", \\"password\\": \\"[redacted]\\"}"'],
      [`{"password":"with \\"quotes\\" ${PASSWORD}","x":1}`, '{"password":"[redacted]","x":1}'],
      [`got ${JWT} back`, 'got [redacted] back'],
      [`Authorization: Bearer ${JWT}`, 'Authorization: Bearer [redacted]'],
    ];
    for (const [input, output] of cases) {
      expect(redactString(input)).toBe(output);
      expect(redactString(output)).toBe(output);
    }
    for (const s of ['{"token_count": 3, "username": "admin"}', 'password: give the runtime password', 'eyJ alone is no token', '{"passwords_set": true}']) expect(redactString(s)).toBe(s);
  });
});
