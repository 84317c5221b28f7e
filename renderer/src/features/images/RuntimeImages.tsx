import { useRef, useState, type FormEvent } from 'react';
import type { EventPayload } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { ActionResult, Empty, ErrorBox, Field, Loading, Table } from '../../components/ui';
import { useApi, useApiEvent } from '../../store/context';
import { LoadProgress, loadPhaseText } from './LoadProgress';
import { UploadForm } from './UploadForm';
import { useRuntimeImages } from './useRuntimeImages';

const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;

function LoadForm({ onLoaded }: { onLoaded(): void }) {
  const api = useApi();
  const [file, setFile] = useState('');
  const [running, setRunning] = useState<string | null>(null);
  const [progress, setProgress] = useState<EventPayload<'images:progress'> | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  // A large archive can outlast the browser transport's call deadline; the agent goes on, and its last progress event
  // (done or failed) then ends the load here.
  const outlived = useRef(false);
  useApiEvent('images:progress', (p) => {
    if (p.file !== running) return;
    setProgress(p);
    if (!outlived.current || (p.phase !== 'done' && p.phase !== 'failed')) return;
    outlived.current = false;
    setRunning(null);
    setResult({ ok: p.phase === 'done', text: p.message ?? (p.phase === 'done' ? `Loaded ${p.file}` : 'The load failed') });
    if (p.phase === 'done') onLoaded();
  });
  const load = async (path: string): Promise<void> => {
    setResult(null);
    setProgress(null);
    setRunning(path);
    const r = await api.call('images:load', { path });
    if (!r.ok && r.error.code === 'TIMEOUT') {
      outlived.current = true;
      return;
    }
    setRunning(null);
    if (r.ok) {
      setResult({ ok: true, text: `Loaded ${r.value.loaded.join(', ')}` });
      setFile('');
      onLoaded();
    } else setResult({ ok: false, text: errorText(r.error) });
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void load(file.trim());
  };
  // The desktop client: the native dialog picks a file on this PC, which is loaded by its path like a typed one.
  const choose = async (): Promise<void> => {
    setResult(null);
    const r = await api.chooseImageFile();
    if (!r.ok) return setResult({ ok: false, text: errorText(r.error) });
    if (r.value === null) return;
    setFile(r.value);
    await load(r.value);
  };
  return (
    <form onSubmit={submit} aria-label="Load runtime image from file" noValidate>
      <Field label="Load from file…" htmlFor="image-file" hint="Absolute path of a docker save archive (.tar or .tar.gz). The file must be on this PC: the agent reads it, so its user must be able to read it.">
        <input id="image-file" value={file} onChange={(e) => setFile(e.target.value)} placeholder="/home/me/openplc-runtime-4.1.4.tar" spellCheck={false} autoComplete="off" />
      </Field>
      <div className="form-actions">
        <button type="submit" disabled={running !== null || file.trim() === ''}>
          {running ? 'Loading…' : 'Load'}
        </button>
        {api.canChooseImageFile ? (
          <button type="button" disabled={running !== null} onClick={() => void choose()}>
            Choose file…
          </button>
        ) : null}
      </div>
      {running && progress ? <LoadProgress id="image-progress" what={loadPhaseText(progress.phase)} percent={progress.percent} done={progress.bytesRead} total={progress.totalBytes} /> : null}
      <ActionResult result={result} />
    </form>
  );
}

function UploadFormIfBrowser({ onLoaded }: { onLoaded(): void }) {
  return useApi().canUploadImage ? <UploadForm onLoaded={onLoaded} /> : null;
}

/** "Runtime images": the local images of the runtime repository and loading one from a file (plant PCs are offline). */
export function RuntimeImages() {
  const { images, error, loading, refresh } = useRuntimeImages();
  return (
    <section className="card" aria-labelledby="runtime-images-head">
      <h2 id="runtime-images-head">Runtime images</h2>
      {error ? <ErrorBox onRetry={() => void refresh()}>Runtime images are not available: {error}</ErrorBox> : null}
      {!images && loading ? <Loading what="runtime images" /> : null}
      {images && images.length === 0 ? (
        <Empty>
          <p>No runtime image on this PC yet. Without a registry, load one from a file below.</p>
        </Empty>
      ) : null}
      {images && images.length > 0 ? (
        <Table label="Runtime images" columns={['Image', 'Size', 'Created', 'Used by']}>
          {images.map((i) => (
            <tr key={`${i.repository}:${i.tag}`}>
              <th scope="row" className="mono">
                {i.repository}:{i.tag}
              </th>
              <td>{mb(i.size)}</td>
              <td>{new Date(i.created).toLocaleString()}</td>
              <td>{i.usedBy.join(', ') || '—'}</td>
            </tr>
          ))}
        </Table>
      ) : null}
      <LoadForm onLoaded={refresh} />
      <UploadFormIfBrowser onLoaded={refresh} />
    </section>
  );
}
