import { useState } from 'react';

/**
 * A value the user may need elsewhere (agent id, an IP, a MAC) with its own copy button, named after what it copies
 * so a screen reader tells the buttons of a table apart.
 */
export function CopyValue({ text, what, mono = true }: { text: string; what: string; mono?: boolean }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = (): void => {
    const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clip) return setState('failed');
    clip.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <span className="copy-value">
      <span className={mono ? 'mono' : undefined}>{text}</span>
      <button type="button" className="copy-button" onClick={copy} aria-label={`Copy ${what}`} title={`Copy ${what}`}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      {state === 'failed' ? (
        <span className="muted small" role="status">
          {' '}
          The clipboard is not available here: select the text and copy it by hand.
        </span>
      ) : null}
    </span>
  );
}
