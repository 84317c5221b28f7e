import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../api/ws-client.js';
import type { EffectiveConfig } from '../settings/layers.js';
import { redact } from '../logging/redact.js';
import { redactFile, redactText } from './redact-text.js';
import { isNeverBundled, storedRuntimePasswords, scrubPasswords } from './runtime-secrets.js';
import { tarGz, type TarEntry } from '../../lib/archive/tar.js';

export type BundleInputs = {
  config: EffectiveConfig;
  settingsFile: string;
  /** Where a running agent's token is (the service's, or a per-user agent's). */
  tokenFiles: string[];
  appVersion: string;
};

const readText = (file: string): Promise<string | null> => readFile(file, 'utf8').catch(() => null);

/** Asks a running agent for its live view; null (with the reason) when none answers. */
async function liveStatus(i: BundleInputs): Promise<Record<string, unknown>> {
  for (const tf of i.tokenFiles) {
    const token = (await readText(tf))?.trim();
    if (!token) continue;
    try {
      const client = await ApiClient.connect(i.config.uiPort, token, 3_000);
      try {
        const out: Record<string, unknown> = { source: `agent on 127.0.0.1:${i.config.uiPort}` };
        for (const ch of ['agent:status', 'vplc:list', 'reconcile:status', 'netmon:interfaces'] as const) out[ch] = await client.call(ch, {}, 10_000);
        return out;
      } finally {
        client.close();
      }
    } catch (err) {
      return { source: 'none', note: `an agent token was found in ${tf} but the agent did not answer: ${(err as Error).message}` };
    }
  }
  return { source: 'none', note: 'no running agent answered (the bundle holds the files only)' };
}

async function dockerFacts(): Promise<Record<string, unknown>> {
  try {
    // Loaded here, not at the top: the agent's main thread imports this module and must not carry dockerode (and the
    // ssh2/gRPC it pulls in) for a support bundle it may never build (docs/testing.md P3).
    const { default: Docker } = await import('dockerode');
    const v = await Promise.race([new Docker().version(), new Promise<never>((_, r) => setTimeout(() => r(new Error('timed out')), 5_000))]);
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch, kernel: v.KernelVersion };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * The support bundle (docs/decisions.md "Support bundle": logs, status, settings, journal; redacted). Never includes the mTLS directory or any
 * key or certificate file, nor the user's runtime credentials (docs/plc.md "Credentials"): that file is refused by
 * name whatever the collection below lists, and its passwords are scrubbed from every entry. Our own JSON is redacted
 * as data, files as JSON (documents and JSON lines, at any depth) or as text (redact-text.ts).
 */
export async function buildSupportBundle(i: BundleInputs): Promise<{ archive: Buffer; files: string[] }> {
  const root = `vplc-support-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const entries: TarEntry[] = [];
  const passwords = await storedRuntimePasswords(i.config.dataDir);
  const push = (name: string, data: string): void => {
    if (isNeverBundled(name)) return;
    entries.push({ name: `${root}/${name}`, data: scrubPasswords(data, passwords) });
  };
  const add = (name: string, text: string): void => push(name, redactFile(text));
  const addJson = (name: string, value: unknown): void => push(name, `${JSON.stringify(redact(value, redactText), null, 2)}\n`);

  addJson('versions.json', { app: i.appVersion, node: process.versions.node, platform: `${os.type()} ${os.release()} ${os.arch()}`, docker: await dockerFacts() });
  addJson('status.json', await liveStatus(i));
  add('settings.json', (await readText(i.settingsFile)) ?? `no settings file at ${i.settingsFile} (defaults in use)\n`);
  addJson('effective-config.json', { ...i.config, mtlsDir: '(not included)' });
  const logDir = path.join(i.config.dataDir, 'logs');
  for (const f of (await readdir(logDir).catch(() => [])).filter((n) => /\.log(\.\d+)?$|\.old\.log$/.test(n)).sort()) {
    const text = await readText(path.join(logDir, f));
    if (text !== null) add(`logs/${f}`, text);
  }
  const journalDir = path.join(i.config.dataDir, 'journal');
  for (const f of (await readdir(journalDir).catch(() => [])).filter((n) => n.endsWith('.jsonl')).sort()) {
    const text = await readText(path.join(journalDir, f));
    if (text !== null) add(`journal/${f}`, text);
  }
  for (const f of ['vplc_state.json', 'runtime_vnics.json', 'clients.json', 'operations.json', 'installation.json']) {
    const text = await readText(path.join(i.config.dataDir, f));
    if (text !== null) add(`state/${f}`, text);
  }
  return { archive: tarGz(entries), files: entries.map((e) => e.name) };
}
