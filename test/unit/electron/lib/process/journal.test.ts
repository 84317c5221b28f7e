// Whether stdout goes to the systemd journal (where the UI token must not be printed).
import { openSync, closeSync, fstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stdoutToJournal } from '../../../../../electron/lib/process/journal.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-journal-fd-'));
const fd = openSync(path.join(dir, 'out'), 'w');
afterAll(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

describe('stdoutToJournal', () => {
  it('is false in a plain terminal session', () => {
    expect(stdoutToJournal({}, fd)).toBe(false);
  });

  it('is true when JOURNAL_STREAM names this very stream', () => {
    const st = fstatSync(fd);
    expect(stdoutToJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd)).toBe(true);
  });

  it('is false when JOURNAL_STREAM was inherited but names another stream (a shell in a terminal started by systemd)', () => {
    const st = fstatSync(fd);
    expect(stdoutToJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1}` }, fd)).toBe(false);
  });

  it('is true inside a systemd unit (INVOCATION_ID)', () => {
    expect(stdoutToJournal({ INVOCATION_ID: 'abc' }, fd)).toBe(true);
  });
});
