import type { DedicatedNicState, VnicModeView } from '../../../../shared/domain/host-nic';
import { Badge, Table } from '../../components/ui';
import { When } from '../../components/When';
import { dedicatedWord, modeLine } from './host-nic';

/**
 * The host-NIC part of the detail page's Networks card (docs/host-nics.md): how each vNIC reaches the LAN (MACVLAN or
 * WiFi proxy ARP) and why, from `vnic_modes`, and where the dedicated port is, from `dedicated_nic`. Nothing for a
 * vPLC with neither.
 */
export function HostNicDetails({ name, modes, dedicated, running }: { name: string; modes: readonly VnicModeView[] | undefined; dedicated: DedicatedNicState | undefined; running: boolean }) {
  if (!modes?.length && !dedicated) return null;
  return (
    <>
      {modes?.length ? <h3 className="host-nic-h">How each vNIC reaches the LAN</h3> : null}
      {modes?.length ? (
        <Table label={`vNIC modes of ${name}`} columns={['vNIC', 'Parent', 'Mode', 'Why']}>
          {modes.map((m) => {
            const l = modeLine(m);
            return (
              <tr key={m.name}>
                <th scope="row">{m.name}</th>
                <td className="mono">{m.parent_interface}</td>
                <td>
                  <Badge tone="idle">{l.method}</Badge>
                  {m.veth_host ? <div className="small muted mono">{m.veth_host}</div> : null}
                </td>
                <td className="small wrap">{l.reason}</td>
              </tr>
            );
          })}
        </Table>
      ) : null}
      {dedicated ? <DedicatedNicCard s={dedicated} running={running} /> : null}
    </>
  );
}

function DedicatedNicCard({ s, running }: { s: DedicatedNicState; running: boolean }) {
  const w = dedicatedWord(s, running);
  return (
    <div className="dedicated-nic-card" role="group" aria-labelledby="dedicated-h">
      <h3 id="dedicated-h">Dedicated port {s.host_interface}</h3>
      <dl className="facts">
        <dt>Where</dt>
        <dd>
          <Badge tone={w.tone}>{w.text}</Badge>
          {s.detail && s.state !== 'error' && s.state !== 'missing' ? <div className="small muted wrap">{s.detail}</div> : null}
        </dd>
        <dt>Since</dt>
        <dd>
          <When at={s.since} />
        </dd>
      </dl>
      <p className="muted small">Given whole to this vPLC for a raw-frame fieldbus; it comes back to this PC when the vPLC stops or is deleted.</p>
    </div>
  );
}
