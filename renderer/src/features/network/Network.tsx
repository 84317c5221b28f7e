import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { NetworkChangeReason } from '../../../../shared/domain/operations';
import { errorText } from '../../api/client';
import { Badge, Empty, ErrorBox, Loading, stateTone, Table } from '../../components/ui';
import { useApi, useApp } from '../../store/context';
import { routeHash } from '../../store/route';

const REASONS: Record<NetworkChangeReason, string> = {
  'vnic-reattached': 're-attached to the new subnet',
  'vnic-detached': 'detached from its network',
  'vnic-failed': 're-attachment failed',
  'dhcp-lease': 'got a DHCP lease',
  'dhcp-leasefail': 'got no DHCP lease',
  'dhcp-nak': 'DHCP lease refused (NAK)',
};
const reasonText = (r: string): string => {
  const known = NetworkChangeReason.safeParse(r);
  return known.success ? REASONS[known.data] : r;
};

export function Network() {
  const api = useApi();
  const interfaces = useApp((s) => s.interfaces);
  const refreshInterfaces = useApp((s) => s.refreshInterfaces);
  const [timeline, setTimeline] = useState<{ data?: Output<'network:timeline'>; error?: string }>({});
  const [vnics, setVnics] = useState<{ data?: Output<'network:vnics'>; error?: string }>({});
  // The vNIC list does not carry the method; a WiFi parent means a proxy-ARP vNIC (docs/host-nics.md).
  const wifiParents = new Set((interfaces.data ?? []).filter((i) => i.type === 'wifi').map((i) => i.name));
  const load = useCallback(() => {
    void api.call('network:timeline', { limit: 200 }).then((r) => setTimeline(r.ok ? { data: r.value } : { error: errorText(r.error) }));
    void api.call('network:vnics', {}).then((r) => setVnics(r.ok ? { data: r.value } : { error: errorText(r.error) }));
  }, [api]);
  useEffect(() => {
    load();
    const offs = [api.on('netmon:change', load), api.on('vplc:changed', load)];
    return () => offs.forEach((o) => o());
  }, [api, load]);
  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>Network</h1>
        <button type="button" onClick={() => void refreshInterfaces()}>
          Refresh
        </button>
      </header>
      <section className="card" aria-labelledby="ifaces-h">
        <h2 id="ifaces-h">Host interfaces</h2>
        {interfaces.error ? <ErrorBox onRetry={() => void refreshInterfaces()}>{interfaces.error}</ErrorBox> : null}
        {!interfaces.data && interfaces.loading ? <Loading what="interfaces" /> : null}
        {interfaces.data?.length === 0 ? <Empty>No Ethernet or WiFi interface found.</Empty> : null}
        {interfaces.data && interfaces.data.length > 0 ? (
          <Table label="Host interfaces" columns={['Interface', 'State', 'IPv4', 'Gateway', 'MAC']}>
            {interfaces.data.map((i) => (
              <tr key={i.name}>
                <th scope="row">
                  {i.name} <span className="muted small">{i.type}</span>
                  {i.dedicated_to ? (
                    <div className="small">
                      dedicated to <a href={routeHash('vplc', i.dedicated_to)}>{i.dedicated_to}</a>
                    </div>
                  ) : null}
                </th>
                <td>
                  <Badge tone={i.operstate === 'up' ? 'ok' : stateTone(i.operstate)}>{i.operstate}</Badge>
                </td>
                <td className="mono">{i.ipv4.map((a) => `${a.address}/${a.prefix}`).join(', ') || '—'}</td>
                <td className="mono">{i.gateway ?? '—'}</td>
                <td className="mono">{i.mac ?? '—'}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </section>
      <section className="card" aria-labelledby="vnics-h">
        <h2 id="vnics-h">vNICs</h2>
        {vnics.error ? <ErrorBox onRetry={load}>{vnics.error}</ErrorBox> : null}
        {vnics.data?.length === 0 ? <Empty>No vPLC has a LAN vNIC.</Empty> : null}
        {vnics.data && vnics.data.length > 0 ? (
          <Table label="vNICs" columns={['vPLC', 'vNIC', 'Parent', 'State', 'IP', 'MAC']}>
            {vnics.data.map((v) => (
              <tr key={`${v.vplc}/${v.vnic}`}>
                <th scope="row">
                  <a href={routeHash('vplc', v.vplc)}>{v.vplc}</a>
                </th>
                <td>{v.vnic}</td>
                <td className="mono">
                  {v.parent}
                  {wifiParents.has(v.parent) ? <div className="small muted">WiFi proxy ARP</div> : null}
                </td>
                <td>
                  <Badge tone={v.state === 'attached' ? 'ok' : 'bad'}>{v.state}</Badge>
                  {v.reason ? <span className="small"> {v.reason}</span> : null}
                  {v.editable ? (
                    <>
                      {' '}
                      <a href={routeHash('edit', v.vplc)}>Edit the vNIC</a>
                    </>
                  ) : null}
                </td>
                <td className="mono">{v.ip ?? (v.mode === 'dhcp' ? 'DHCP' : '—')}</td>
                <td className="mono">{v.mac}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </section>
      <section className="card" aria-labelledby="timeline-h">
        <h2 id="timeline-h">Changes and re-attachments</h2>
        {timeline.error ? <ErrorBox onRetry={load}>{timeline.error}</ErrorBox> : null}
        {timeline.data?.length === 0 ? <Empty>No network changes since the agent started. When a cable is moved or an address changes, it shows here with what the agent did about it.</Empty> : null}
        {timeline.data && timeline.data.length > 0 ? (
          <ol className="timeline" aria-label="Network timeline">
            {timeline.data.map((e, i) => (
              <li key={`${e.ts}-${i}`} className={`timeline-${e.kind}`}>
                <time dateTime={new Date(e.ts).toISOString()}>{new Date(e.ts).toLocaleTimeString()}</time>
                <strong>{e.subject}</strong> <span>{e.kind === 'vplc' ? reasonText(e.detail) : e.detail}</span>
              </li>
            ))}
          </ol>
        ) : null}
      </section>
    </div>
  );
}
