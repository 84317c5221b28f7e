import type { VplcStatus } from '../../../../shared/domain/vplc-status';
import { CopyValue } from '../../components/CopyValue';

/** The OpenPLC runtime's web UI port (HTTPS). */
const RUNTIME_PORT = 8443;
const url = (ip: string): string => `https://${ip}:${RUNTIME_PORT}/`;

type Lan = { network: string; ip: string; fromThisPc: boolean };

/**
 * The runtime's LAN addresses. A MACVLAN child cannot be reached from its own parent's host (the kernel passes no
 * traffic between them), so only a WiFi vNIC (`wifi_…`, routed through this PC with proxy ARP) is reachable from here;
 * the internal address always is, from this PC only (docs/networking.md "Reaching the runtime").
 */
export function lanAddresses(networks: VplcStatus['networks']): Lan[] {
  return Object.entries(networks ?? {}).flatMap(([network, n]) => (n.ip_address ? [{ network, ip: n.ip_address, fromThisPc: network.startsWith('wifi_') }] : []));
}

/** Where the runtime's web UI is, from this PC and from other devices, and why the browser warns about it. */
export function RuntimeAccess({ internalIp, networks, running }: { internalIp: string | undefined; networks: VplcStatus['networks']; running: boolean }) {
  const lan = lanAddresses(networks);
  const here = lan.find((l) => l.fromThisPc)?.ip ?? internalIp;
  return (
    <section className="runtime-access" aria-labelledby="runtime-access-h">
      <h3 id="runtime-access-h">Runtime web UI</h3>
      {!running || !here ? (
        <p className="muted">Available while the vPLC runs.</p>
      ) : (
        <p>
          <a href={url(here)} target="_blank" rel="noreferrer noopener">
            Open the runtime’s web UI
          </a>{' '}
          <span className="muted small">
            from this PC at {url(here)}
            {here === internalIp ? ' (its internal address: only this PC reaches it)' : ''}
          </span>
        </p>
      )}
      {lan.length > 0 ? (
        <>
          <p className="small">From other devices on the LAN:</p>
          <ul aria-label="Runtime addresses on the LAN">
            {lan.map((l) => (
              <li key={l.network}>
                <CopyValue text={url(l.ip)} what={`the runtime address ${l.ip}`} />
              </li>
            ))}
          </ul>
          {lan.some((l) => !l.fromThisPc) ? (
            <p className="muted small">This PC cannot open a LAN address of its own vPLCs: a MACVLAN interface does not pass traffic to the PC it sits on, so from here the internal address is used.</p>
          ) : null}
        </>
      ) : (
        <p className="muted small">No LAN address yet: other devices cannot reach this runtime.</p>
      )}
      <p className="muted small">
        The runtime makes its own self-signed certificate, so the browser warns once for each address: check that the address is this vPLC’s and accept the certificate to go on. The agent itself pins that certificate and refuses a
        different one until the vPLC is recreated.
      </p>
    </section>
  );
}
