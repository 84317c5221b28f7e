import { useState } from 'react';
import type { SerialPortState, SerialPortStatusWord } from '../../../../shared/domain/serial';
import { Badge, Table } from '../../components/ui';
import { When } from '../../components/When';
import { useApiEvent } from '../../store/context';

export const PORT_TONE: Record<SerialPortStatusWord, 'ok' | 'warn' | 'bad'> = { connected: 'ok', disconnected: 'warn', error: 'bad' };

/**
 * The live state of a vPLC's serial ports: from its `vplc:status` answer, replaced by each `serial:ports` event for it
 * (plug, unplug, start, stop, node error) until the next status answer. Nothing is shown for a vPLC without ports.
 */
export function SerialPortsCard({ name, ports }: { name: string; ports: SerialPortState[] | undefined }) {
  const [live, setLive] = useState<{ from: SerialPortState[] | undefined; ports: SerialPortState[] }>();
  // The event is tied to the status answer on screen when it arrives.
  useApiEvent('serial:ports', (e) => {
    if (e.vplc === name) setLive({ from: ports, ports: e.ports });
  });
  // An event counts until a newer status answer (a new `ports` list) arrives.
  const shown = live && live.from === ports ? live.ports : ports;
  if (!shown?.length) return null;
  return (
    <section className="card" aria-labelledby="serial-h">
      <h2 id="serial-h">Serial ports</h2>
      <Table label={`Serial ports of ${name}`} columns={['Port', 'Status', 'Device', 'Host node', 'Numbers', 'Baud', 'Since']}>
        {shown.map((p) => (
          <tr key={p.name}>
            <th scope="row">
              {p.name} <span className="mono small muted">{p.container_path}</span>
            </th>
            <td>
              <Badge tone={PORT_TONE[p.status]}>{p.status}</Badge>
              {p.reason ? <div className="small muted wrap">{p.reason}</div> : null}
            </td>
            <td className="mono small wrap">{p.device_id}</td>
            <td className="mono">{p.current_host_path ?? '—'}</td>
            <td className="mono">{p.major !== null && p.minor !== null ? `${p.major}:${p.minor}` : '—'}</td>
            <td>{p.baud_rate ?? '—'}</td>
            <td className="nowrap small">
              <When at={p.since} />
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
