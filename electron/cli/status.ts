import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { z } from 'zod';
import { Label, ownFilter } from '../workers/orchestrator/docker/labels.js';

const Installation = z.object({ id: z.string() });

/** Read-only: Docker's view of this installation's vPLCs. Never opens the state for writing. */
export async function printStatus(dataDir: string): Promise<number> {
  let id: string;
  try {
    id = Installation.parse(JSON.parse(await readFile(path.join(dataDir, 'installation.json'), 'utf8'))).id;
  } catch {
    process.stdout.write(`no installation in ${dataDir} (the agent has not run here yet)\n`);
    return 0;
  }
  const list = await new Docker().listContainers({ all: true, filters: ownFilter(id, 'vplc') });
  process.stdout.write(`installation ${id}: ${list.length} vPLC(s)\n`);
  for (const c of list.sort((a, b) => (a.Names[0] ?? '').localeCompare(b.Names[0] ?? ''))) {
    process.stdout.write(`  ${(c.Labels[Label.vplc] ?? c.Id).padEnd(40)} ${c.State.padEnd(10)} ${c.Status}\n`);
  }
  return 0;
}
