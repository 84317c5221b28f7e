/**
 * A throwaway in-process PKI for TLS tests and the cloud simulator (docs/architecture.md §E "TLS in tests"): a CA, server certificates
 * for 127.0.0.1/localhost, client certificates, and the negative fixtures (rogue CA, expired client, wrong server
 * name, untrusted server CA). P-256 keys, so a whole set takes a few milliseconds. Files go into a mkdtemp dir.
 */
import { randomBytes, webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toPem, x509 } from '../../electron/core/certs/x509.js';

export interface Pem {
  cert: string;
  key: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

async function newKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}

const serial = (): string => `01${randomBytes(8).toString('hex')}`;

export type ClientCertOptions = { cn: string; notBefore?: Date; notAfter?: Date; eku?: 'clientAuth' | 'serverAuth' };
export type ServerCertOptions = { dns?: string[]; ips?: string[] };

export class TestCa {
  private constructor(
    readonly name: string,
    readonly cert: string,
    private readonly keys: CryptoKeyPair,
    private readonly x: x509.X509Certificate,
  ) {}

  static async create(name: string): Promise<TestCa> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${name}, O=vPLC test`,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 90 * DAY),
      keys,
      signingAlgorithm: SIGN,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
    });
    return new TestCa(name, cert.toString('pem'), keys, cert);
  }

  private async sign(subject: string | x509.Name, publicKey: x509.PublicKey | CryptoKey, extensions: x509.Extension[], notBefore: Date, notAfter: Date): Promise<string> {
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: this.x.subject,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: SIGN,
      extensions: [new x509.BasicConstraintsExtension(false), ...extensions],
    });
    return cert.toString('pem');
  }

  /** A TLS server certificate; by default for 127.0.0.1 and localhost. */
  async issueServer(opts: ServerCertOptions = {}): Promise<Pem> {
    const keys = await newKeys();
    const names = [...(opts.dns ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })), ...(opts.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value }))];
    const cert = await this.sign(
      `CN=${names[0]?.value ?? 'server'}`,
      keys.publicKey,
      [
        new x509.SubjectAlternativeNameExtension(names),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ],
      new Date(Date.now() - DAY),
      new Date(Date.now() + 90 * DAY),
    );
    return { cert, key: await keyPem(keys) };
  }

  /** A client certificate with the docs/protocol.md §9.2 subject and the given CN. */
  async issueClient(opts: ClientCertOptions): Promise<Pem> {
    const keys = await newKeys();
    const cert = await this.sign(
      `C=BR, ST=SP, L=SaoPaulo, O=AutonomyLogic, OU=Production, CN=${opts.cn}`,
      keys.publicKey,
      [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment),
        new x509.ExtendedKeyUsageExtension([opts.eku === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ],
      opts.notBefore ?? new Date(Date.now() - DAY),
      opts.notAfter ?? new Date(Date.now() + 60 * DAY),
    );
    return { cert, key: await keyPem(keys) };
  }

  /** Signs an enrolment CSR (what the provisioning server does); the subject is taken from the CSR. */
  async signCsr(csrPem: string, days = 365): Promise<string> {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw new Error('the CSR signature does not verify');
    return this.sign(
      csr.subjectName,
      csr.publicKey,
      [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
      new Date(Date.now() - 60_000),
      new Date(Date.now() + days * DAY),
    );
  }
}

/** The positive and negative fixtures of one test file. */
export interface PkiSet {
  ca: TestCa;
  rogueCa: TestCa;
  server: Pem;
  /** Server certificate for another name only (hostname check must fail on 127.0.0.1). */
  wrongNameServer: Pem;
  /** Server certificate from a CA the client does not trust. */
  untrustedServer: Pem;
  client: Pem;
  rogueClient: Pem;
  expiredClient: Pem;
}

export async function createPkiSet(cn = '07048933'): Promise<PkiSet> {
  const [ca, rogueCa] = await Promise.all([TestCa.create('vPLC test CA'), TestCa.create('rogue CA')]);
  const [server, wrongNameServer, untrustedServer, client, rogueClient, expiredClient] = await Promise.all([
    ca.issueServer(),
    ca.issueServer({ dns: ['cloud.wrong.example'], ips: [] }),
    rogueCa.issueServer(),
    ca.issueClient({ cn }),
    rogueCa.issueClient({ cn }),
    ca.issueClient({ cn, notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) }),
  ]);
  return { ca, rogueCa, server, wrongNameServer, untrustedServer, client, rogueClient, expiredClient };
}

/** A mkdtemp directory with helpers; `dispose()` removes it. */
export function tempDir(prefix = 'vplc-pki-'): { dir: string; write(name: string, content: string, mode?: number): string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    dir,
    write: (name, content, mode = 0o600) => {
      const file = path.join(dir, name);
      writeFileSync(file, content, { mode });
      return file;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
