import { useEffect, useState } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { ActionResult, ConfirmDialog, CopyButton } from '../../components/ui';
import { useApi } from '../../store/context';

const RELOAD = 'sudo systemctl reload docker';

/**
 * The live-restore warning's fix: the exact change and command, and where the agent may write Docker's configuration
 * file, a one-click change. Reloading the engine stays the engineer's choice.
 */
export function LiveRestoreFix() {
  const api = useApi();
  const [view, setView] = useState<Output<'engine:live-restore'> | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    let live = true;
    void api.call('engine:live-restore', {}).then((r) => {
      if (live && r.ok) setView(r.value);
    });
    return () => {
      live = false;
    };
  }, [api]);
  if (!view || view.enabled) return null;
  const apply = (): void => {
    setConfirming(false);
    void api.call('engine:enable-live-restore', { confirm: true }).then((r) => setResult(r.ok ? { ok: true, text: r.value.next } : { ok: false, text: errorText(r.error) }));
  };
  return (
    <div className="fix" aria-label="Fix for Docker live-restore">
      <p>
        <code>{RELOAD}</code> <CopyButton text={RELOAD} label="Copy command" />
      </p>
      {view.writable && !result?.ok ? (
        <button type="button" onClick={() => setConfirming(true)}>
          Turn on live-restore in {view.file}
        </button>
      ) : null}
      <ActionResult result={result} />
      {confirming ? (
        <ConfirmDialog title="Turn on Docker live-restore?" confirmLabel="Change the file" onConfirm={apply} onCancel={() => setConfirming(false)}>
          <p>
            The agent adds <code>"live-restore": true</code> to {view.file} and keeps every other setting in it. Nothing changes until the engine is
            reloaded.
          </p>
          <p>
            Reloading (<code>{RELOAD}</code>) keeps running containers. From then on, restarting or upgrading Docker leaves the vPLCs running. Only the
            reload you run yourself applies it; the agent does not reload or restart the engine.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
