import type { SerialDevice } from '../../../../shared/domain/serial';
import { Badge, ErrorBox, Loading, Table } from '../../components/ui';
import { useApp } from '../../store/context';
import { routeHash } from '../../store/route';
import { deviceDescription, matchDevice, nodesOf, portUses, usesOf, type HostSerialNode, type PortUse } from './devices';
import { PORT_TONE } from './SerialPortsCard';
import { useSerialInventory } from './useSerialInventory';

function Uses({ uses }: { uses: PortUse[] }) {
  if (!uses.length) return <span className="muted">free</span>;
  return (
    <ul className="plain">
      {uses.map((u) => (
        <li key={`${u.vplc}/${u.name}`}>
          <a href={routeHash('vplc', u.vplc)}>{u.vplc}</a> <span className="small muted">({u.name} at {u.container_path})</span> <Badge tone={PORT_TONE[u.status]}>{u.status}</Badge>
        </li>
      ))}
    </ul>
  );
}

const label = (d: SerialDevice): string => d.device_id.slice(d.device_id.lastIndexOf('/') + 1);

/**
 * The host's serial devices on the dashboard, live (plug and unplug show without a reload): the USB adapters by their
 * stable id, the built-in UARTs, which vPLC port uses each, and configured ports whose device is not plugged in.
 */
export function SerialDevicesCard() {
  const { inventory, error, reload } = useSerialInventory();
  const vplcs = useApp((s) => s.vplcs);
  const uses = portUses(vplcs.data ?? []);
  const nodes = inventory ? nodesOf(inventory) : [];
  const of = (n: HostSerialNode): PortUse[] => usesOf(n, uses, nodes);
  const missing = inventory ? uses.filter((u) => u.current_host_path === null && matchDevice(u.device_id, nodes).kind !== 'one') : [];
  return (
    <section className="card serial-devices" aria-labelledby="serial-dev-h">
      <h2 id="serial-dev-h">Serial devices</h2>
      {error ? <ErrorBox onRetry={reload}>Serial devices are not available: {error}</ErrorBox> : null}
      {!inventory && !error ? <Loading what="serial devices" /> : null}
      {inventory && nodes.length === 0 ? <p className="muted">No USB serial adapter or built-in UART on this PC now.</p> : null}
      {inventory && nodes.length > 0 ? (
        <Table label="Serial devices" columns={['Device', 'Node', 'Used by']}>
          {inventory.devices.map((d) => (
            <tr key={d.device_id}>
              <th scope="row">
                <span className="mono small wrap" title={d.device_id}>
                  {label(d)}
                </span>
                <div className="small muted">{deviceDescription(d)}</div>
              </th>
              <td className="mono">{d.path}</td>
              <td>
                <Uses uses={of({ path: d.path, deviceId: d.device_id })} />
              </td>
            </tr>
          ))}
          {inventory.ports.map((p) => (
            <tr key={p.path}>
              <th scope="row">
                Built-in UART <span className="mono small">{p.path}</span>
              </th>
              <td className="mono">{p.path}</td>
              <td>
                <Uses uses={of({ path: p.path, deviceId: null })} />
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
      {missing.length ? (
        <ul className="warnings" aria-label="Serial ports without their device">
          {missing.map((u) => (
            <li key={`${u.vplc}/${u.name}`}>
              <a href={routeHash('vplc', u.vplc)}>{u.vplc}</a> port {u.name}: <span className="mono small wrap">{u.device_id}</span> is not plugged in <Badge tone={PORT_TONE[u.status]}>{u.status}</Badge>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
