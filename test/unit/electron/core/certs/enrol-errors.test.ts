// Enrolment failures name the step, the cause and the fix. The network case is a real refused connection on loopback;
// the CA case against a real TLS server is in enroll.test.ts and the agent's integration test.
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { enroll } from '../../../../../electron/core/certs/enroll.js';
import { EnrolStepError, explainEnrolError } from '../../../../../electron/core/certs/enrol-errors.js';
import { tempDir } from '../../../../support/pki.js';

const tmp = tempDir('vplc-enrol-err-');
afterAll(() => tmp.dispose());

const tlsError = (code: string): Error => Object.assign(new Error(`tls: ${code}`), { code });
const wrapped = (step: 'id' | 'key' | 'enrolled', code: string): EnrolStepError => new EnrolStepError(step, new Error('p.example: x', { cause: tlsError(code) }));

describe('explainEnrolError', () => {
  it('an untrusted chain asks for the CA file, or says the given one does not hold the signing CA', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN']) {
      const e = explainEnrolError(wrapped('id', code), { provisionUrl: 'https://p.example:8443' });
      expect(e).toMatchObject({ step: 'id', cause: 'ca', field: 'caFile' });
      expect(e.message).toBe(
        `Enrolment stopped while asking the cloud for an agent ID: the certificate of p.example:8443 is signed by a CA this PC does not trust (${code}); set the CA file to the PEM of the CA that signed it (the CA file field here, or --ca-file / VPLC_CA_FILE for the agent).`,
      );
    }
    expect(explainEnrolError(wrapped('id', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'), { provisionUrl: 'https://p.example', caFile: '/etc/ca.pem' }).message).toContain(
      'p.example:443 is signed by a CA this PC does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE); the CA file /etc/ca.pem does not hold the CA that signed it',
    );
  });

  it('a certificate outside its validity points at this PC’s clock', () => {
    const now = new Date('2026-12-05T01:00:00Z');
    expect(explainEnrolError(wrapped('id', 'CERT_NOT_YET_VALID'), { provisionUrl: 'https://p.example', now })).toMatchObject({
      cause: 'clock',
      message: expect.stringContaining("is not valid yet by this PC's clock (2026-12-05T01:00:00.000Z); check this PC's date and time (timedatectl)"),
    });
    expect(explainEnrolError(wrapped('enrolled', 'CERT_HAS_EXPIRED'), { provisionUrl: 'https://p.example', now }).message).toMatch(/^Enrolment stopped while receiving the signed certificate: the certificate of p.example:443 has expired/);
  });

  it('an unreachable server names host and port; anything else keeps its own words', () => {
    expect(explainEnrolError(wrapped('id', 'ENOTFOUND'), { provisionUrl: 'https://nowhere.example:3000' })).toMatchObject({ cause: 'network', field: 'provisionUrl', message: expect.stringContaining('cannot reach nowhere.example:3000 (ENOTFOUND)') });
    expect(explainEnrolError(new EnrolStepError('key', new Error('out of entropy')), { provisionUrl: 'https://p.example' })).toEqual({
      step: 'key',
      cause: 'other',
      message: 'Enrolment stopped while generating the private key and certificate request: out of entropy',
    });
  });

  it('a refused connection from a real enroll() is the first step, a network cause with host and port', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const url = `https://127.0.0.1:${closed}`;
    const err = await enroll({ provisionUrl: url, mtlsDir: path.join(tmp.dir, 'm'), ca: [], modulusLength: 2048 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EnrolStepError);
    expect(explainEnrolError(err, { provisionUrl: url })).toMatchObject({ step: 'id', cause: 'network', message: expect.stringContaining(`cannot reach 127.0.0.1:${closed} (ECONNREFUSED)`) });
  });
});
