import { useState, type FormEvent } from 'react';
import type { EventPayload } from '../../../../shared/api/contract';
import { newUploadId } from '../../../../shared/api/image-upload';
import { errorText } from '../../api/client';
import { ActionResult, Field } from '../../components/ui';
import { useApi, useApiEvent } from '../../store/context';
import { LoadProgress, loadPhaseText } from './LoadProgress';

type Stage = { id: string; step: 'uploading'; sent: number; total: number } | { id: string; step: 'loading'; progress: EventPayload<'images:progress'> | null };

/**
 * The browser page's upload of a `docker save` archive from the user's computer: an upload bar (bytes sent), then the
 * agent's load bar (`images:progress` of this upload), then the result; the image list is refreshed after a load.
 */
export function UploadForm({ onLoaded }: { onLoaded(): void }) {
  const api = useApi();
  const [file, setFile] = useState<File | null>(null);
  const [stage, setStage] = useState<Stage | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const uploadId = stage?.id;
  useApiEvent('images:progress', (p) => {
    // The agent names the upload's temporary file, which carries this upload's id.
    if (!uploadId || !p.file.includes(uploadId)) return;
    setStage((s) => (s && s.id === uploadId ? { id: s.id, step: 'loading', progress: p } : s));
  });
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!file) return;
    const id = newUploadId();
    setResult(null);
    setStage({ id, step: 'uploading', sent: 0, total: file.size });
    const r = await api.uploadImage(file, {
      id,
      onProgress: (sent, total) =>
        setStage((s) => {
          if (!s || s.id !== id) return s;
          // Every byte sent: the agent now checks and loads the file, which the load bar follows.
          if (sent >= total) return s.step === 'loading' ? s : { id, step: 'loading', progress: null };
          return { id, step: 'uploading', sent, total };
        }),
    });
    setStage(null);
    if (r.ok) {
      setResult({ ok: true, text: `Loaded ${r.value.loaded.join(', ')} from ${r.value.file}` });
      setFile(null);
      onLoaded();
    } else setResult({ ok: false, text: errorText(r.error) });
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Upload runtime image" noValidate>
      <Field label="Upload from this computer" htmlFor="image-upload" hint="A docker save archive (.tar, .tar.gz or .tgz). It is sent to the agent, which loads it into Docker.">
        <input id="image-upload" type="file" accept=".tar,.tar.gz,.tgz" disabled={stage !== null} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </Field>
      <div className="form-actions">
        <button type="submit" disabled={stage !== null || file === null}>
          {stage ? 'Uploading…' : 'Upload'}
        </button>
      </div>
      {stage?.step === 'uploading' ? <LoadProgress id="image-upload-progress" what="Uploading" percent={stage.total === 0 ? 100 : Math.floor((stage.sent / stage.total) * 100)} done={stage.sent} total={stage.total} /> : null}
      {stage?.step === 'loading' && stage.progress ? (
        <LoadProgress id="image-upload-progress" what={loadPhaseText(stage.progress.phase)} percent={stage.progress.percent} done={stage.progress.bytesRead} total={stage.progress.totalBytes} />
      ) : null}
      {stage?.step === 'loading' && !stage.progress ? <p role="status">Uploaded; the agent is checking the archive…</p> : null}
      <ActionResult result={result} />
    </form>
  );
}
