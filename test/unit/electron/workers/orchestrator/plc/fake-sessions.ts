import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlcStatusWord } from '../../../../../../shared/domain/plc.js';
import type { PlcSession, PlcSessions, PlcStatusReading, RuntimeTaskStats } from '../../../../../../electron/workers/orchestrator/plc/types.js';

const FIXTURES = fileURLToPath(new URL('../../../../../fixtures/openplc-runtime-v4.1.4/', import.meta.url));

/** The task figures of a recorded real answer (`status-<which>-stats.json`). */
export function fixtureTasks(which: 'running' | 'stopped' | 'empty'): RuntimeTaskStats[] {
  const raw = JSON.parse(readFileSync(path.join(FIXTURES, `status-${which}-stats.json`), 'utf8')) as { response: { body: { timing_stats?: { tasks?: RuntimeTaskStats[] } } } };
  return raw.response.body.timing_stats?.tasks ?? [];
}

/** A PlcSessions whose sessions answer what the test scripts, and count the calls. */
export class FakeSessions implements PlcSessions {
  readonly creds = new Map<string, string>();
  /** Per vPLC: the next answer (a reading or an error to throw). */
  readonly answers = new Map<string, PlcStatusReading | Error>();
  readonly calls: string[] = [];
  private listener: ((name: string) => void) | null = null;

  reading(status: PlcStatusWord, tasks: RuntimeTaskStats[] | null = null): PlcStatusReading {
    return { status, raw: `STATUS:${status}\n`, tasks };
  }

  give(name: string, user = 'operator'): void {
    this.creds.set(name, user);
    this.listener?.(name);
  }
  take(name: string): void {
    this.creds.delete(name);
    this.listener?.(name);
  }

  hasCredentials(name: string): boolean {
    return this.creds.has(name);
  }
  username(name: string): string | null {
    return this.creds.get(name) ?? null;
  }
  session(name: string): PlcSession | null {
    if (!this.creds.has(name)) return null;
    const status = (): Promise<PlcStatusReading> => {
      this.calls.push(name);
      const a = this.answers.get(name) ?? this.reading('RUNNING');
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    };
    const no = (): Promise<never> => Promise.reject(new Error('not used'));
    return { status, startPlc: no, stopPlc: no, runtimeLogs: no };
  }
  onCredentialsChanged(listener: (name: string) => void): void {
    this.listener = listener;
  }
}
