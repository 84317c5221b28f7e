import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../fs/atomic.js';
import { lockHolder } from './host-lock.js';
import type { AgentFiles } from './run-dir.js';

/**
 * What an agent last said about itself, next to its lock (0644: no secrets, readable by every local user, so
 * `vplc-orchestrator status` and the tray can say why an agent is not running).
 */
export const AgentReport = z.object({
  pid: z.number().int().positive(),
  state: z.enum(['starting', 'running', 'blocked', 'stopped']),
  reason: z.string().optional(),
  at: z.string(),
  /** A running agent's loopback UI port, token file and state directory, so the CLI finds the agent that runs. */
  uiPort: z.number().int().min(1).max(65_535).optional(),
  tokenFile: z.string().optional(),
  dataDir: z.string().optional(),
});
export type AgentReport = z.infer<typeof AgentReport>;

export async function writeReport(file: string, r: Omit<AgentReport, 'pid' | 'at'>, now: () => Date = () => new Date()): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ pid: process.pid, at: now().toISOString(), ...r })}\n`, 0o644);
  // The service runs with UMask=0027, which would leave the report unreadable to the users it is written for.
  await fs.chmod(file, 0o644);
}

export async function readReport(file: string): Promise<AgentReport | null> {
  try {
    const parsed = AgentReport.safeParse(JSON.parse(await fs.readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export type AgentView = { running: true; pid: number | null } | { running: false; why: string | null };

/**
 * The lock says whether an agent runs; the report says which PID, or why the last start did not get through.
 * `when` writes the report's time (the CLI shows it for a person).
 */
export async function viewAgent(files: AgentFiles, when: (iso: string) => string = (iso) => iso): Promise<AgentView> {
  const [lock, report] = await Promise.all([lockHolder(files.lock), readReport(files.report)]);
  if (lock.held) return { running: true, pid: lock.pid ?? (report && report.state !== 'stopped' && report.state !== 'blocked' ? report.pid : null) };
  if (!report) return { running: false, why: null };
  if (report.state === 'blocked') return { running: false, why: `its last start (${when(report.at)}) failed: ${report.reason ?? 'no reason recorded'}` };
  if (report.state === 'stopped') return { running: false, why: `stopped at ${when(report.at)}` };
  return { running: false, why: `pid ${report.pid} ended without stopping cleanly (crashed or killed) after ${when(report.at)}` };
}
