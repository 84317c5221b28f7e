import { useEffect, useRef } from 'react';
import { Badge, stateTone } from './components/ui';
import { Dashboard } from './features/dashboard/Dashboard';
import { Enrolment } from './features/enrol/Enrolment';
import { Logs } from './features/logs/Logs';
import { Network } from './features/network/Network';
import { SettingsPage } from './features/settings/SettingsPage';
import { CreateVplc } from './features/vplcs/CreateVplc';
import { EditVplc } from './features/vplcs/EditVplc';
import { VplcDetail } from './features/vplcs/VplcDetail';
import { VplcList } from './features/vplcs/VplcList';
import type { Page } from './store/app';
import { useApp } from './store/context';
import { routeHash } from './store/route';

const NAV: Array<{ page: Page; label: string }> = [
  { page: 'dashboard', label: 'Dashboard' },
  { page: 'vplcs', label: 'vPLCs' },
  { page: 'network', label: 'Network' },
  { page: 'logs', label: 'Logs' },
  { page: 'enrol', label: 'Enrolment' },
  { page: 'settings', label: 'Settings' },
];

function ConnectionBanner() {
  const link = useApp((s) => s.link);
  const staleSince = useApp((s) => s.staleSince);
  if (link === 'open') return null;
  if (link === 'unauthorised')
    return (
      <div className="banner banner-bad" role="alert">
        The agent refused this page’s token (it changes when the agent restarts). Run <code>vplc-orchestrator status</code> on this PC and open the UI address it prints (it ends with <code>#token=…</code>); pasting it into this tab is enough, no reload needed.
        {staleSince !== null ? ` What this page shows is from ${new Date(staleSince).toLocaleTimeString()}; actions are off until this tab is let in again.` : null}
      </div>
    );
  return (
    <div className="banner" role="status">
      {link === 'connecting' && staleSince === null ? 'Connecting to the agent…' : 'The connection to the agent was lost; reconnecting…'} vPLCs keep running meanwhile.
      {staleSince !== null ? ` What this page shows is from ${new Date(staleSince).toLocaleTimeString()} and may be out of date; actions are off until the agent answers again.` : null}
    </div>
  );
}

export function App() {
  const page = useApp((s) => s.page);
  const selected = useApp((s) => s.selected);
  const cloud = useApp((s) => s.status.data?.cloud);
  const stale = useApp((s) => s.staleSince !== null);
  const main = useRef<HTMLElement>(null);
  // Moves focus to the new page's heading so keyboard and screen-reader users land where the content changed.
  useEffect(() => main.current?.querySelector<HTMLElement>('h1')?.focus(), [page, selected]);
  const current: Page = page === 'create' || page === 'vplc' || page === 'edit' ? 'vplcs' : page;
  return (
    <div className="app">
      {/* The fragment holds the route, so the skip link moves focus itself instead of jumping to #main. */}
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.querySelector<HTMLElement>('h1')?.focus();
        }}
      >
        Skip to content
      </a>
      <nav aria-label="Main" className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          vPLC Orchestrator
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.page}>
              <a href={routeHash(n.page)} aria-current={current === n.page ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        {/* While the agent cannot be reached, its last word about the cloud link is not news: shown as unknown. */}
        <div className="sidebar-foot">{cloud ? stale ? <Badge tone="idle">cloud: unknown</Badge> : <Badge tone={cloud === 'disabled' ? 'idle' : stateTone(cloud)}>cloud: {cloud === 'disabled' ? 'local-only' : cloud}</Badge> : null}</div>
      </nav>
      <main id="main" ref={main}>
        <ConnectionBanner />
        {/* Data from before the connection was lost stays readable but greyed, and nothing in it can be acted on. */}
        <div className={stale ? 'content stale' : 'content'} inert={stale} aria-disabled={stale || undefined}>
          {page === 'dashboard' ? <Dashboard /> : null}
          {page === 'vplcs' ? <VplcList /> : null}
          {page === 'create' ? <CreateVplc /> : null}
          {page === 'vplc' && selected ? <VplcDetail key={selected} name={selected} /> : null}
          {page === 'edit' && selected ? <EditVplc key={selected} name={selected} /> : null}
          {page === 'network' ? <Network /> : null}
          {page === 'logs' ? <Logs /> : null}
          {page === 'enrol' ? <Enrolment /> : null}
          {page === 'settings' ? <SettingsPage /> : null}
        </div>
      </main>
    </div>
  );
}
