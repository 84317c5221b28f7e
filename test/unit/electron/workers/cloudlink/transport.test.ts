import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { contextFor, openSocket } from '../../../../../electron/workers/cloudlink/transport.js';
import { createPkiSet } from '../../../../support/pki.js';

describe('the cloud link TLS context', () => {
  it('parses the material once for every attempt, and again only for a new certificate or trust set', async () => {
    const pki = await createPkiSet('11223344');
    const ca = [...rootCertificates, pki.ca.cert];
    const material = { cert: pki.client.cert, key: pki.client.key, ca };
    const first = contextFor(material);
    expect(contextFor({ ...material })).toBe(first);
    const other = await createPkiSet('55667788');
    expect(contextFor({ ...material, cert: other.client.cert, key: other.client.key })).not.toBe(first);
    expect(contextFor({ ...material, ca: [...ca] })).not.toBe(first);
  });

  it('gives the agent the context, and no copy of the trust set in its options or its connection key', async () => {
    const pki = await createPkiSet('99aabbcc');
    const material = { cert: pki.client.cert, key: pki.client.key, ca: [...rootCertificates, pki.ca.cert] };
    const { socket, agent } = openSocket('https://127.0.0.1:9', material, 1_000);
    try {
      const options = agent.options as Record<string, unknown>;
      expect(options.secureContext).toBe(contextFor(material));
      expect(options.ca).toBeUndefined();
      expect(options.key).toBeUndefined();
      expect(options.rejectUnauthorized).toBe(true);
      expect(agent.getName({ host: '127.0.0.1', port: 9 }).length).toBeLessThan(200);
    } finally {
      socket.close();
      agent.destroy();
    }
  });
});
