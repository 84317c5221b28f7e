import { Table } from '../../components/ui';
import { labelOf, sourceText, valueText, type EffectiveSetting } from './effective';

/** What the agent started with, each value with the layer it came from (flag, environment, settings file, default). */
export function EffectiveSettings({ effective }: { effective: EffectiveSetting[] }) {
  return (
    <section className="card" aria-labelledby="effective-h">
      <h2 id="effective-h">What the agent runs with</h2>
      <p className="muted">A flag or environment variable wins over the settings file, which wins over the default. The agent reads these when it starts.</p>
      <Table label="Effective settings" columns={['Setting', 'Value', 'From']}>
        {effective.map((s) => (
          <tr key={s.key}>
            <th scope="row">{labelOf(s.key)}</th>
            <td className="mono small wrap">{valueText(s.value)}</td>
            <td>{sourceText(s)}</td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
