/**
 * The one module that imports @peculiar/x509: the library throws at import time unless `reflect-metadata`
 * has been loaded first, so everything else imports `x509` from here.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

export { x509 };

/** PEM of a DER buffer with the given label (e.g. `PRIVATE KEY`). */
export function toPem(der: ArrayBuffer, label: string): string {
  return x509.PemConverter.encode(der, label);
}
