import type { HostInterface } from './draft';

/** Once per form: the interfaces the parent policy refuses, each with its reason (docs/parent-policy.md). */
export function RefusedParents({ ifaces }: { ifaces: HostInterface[] }) {
  const refused = ifaces.filter((x) => x.policy_refusal);
  if (refused.length === 0) return null;
  return (
    <details className="iface-note">
      <summary>
        Why {refused.length === 1 ? `${refused[0]?.name ?? ''} cannot` : `${refused.length} interfaces cannot`} be chosen
      </summary>
      <ul>
        {refused.map((x) => (
          <li key={x.name}>{x.policy_refusal}</li>
        ))}
      </ul>
      <p className="muted small">The parent policy is set in this PC’s settings file; a request from the cloud cannot widen it.</p>
    </details>
  );
}
