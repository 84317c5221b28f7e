import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../electron/core/settings/args.js';

const unit = readFileSync(new URL('../../../build/linux/vplc-orchestrator.service', import.meta.url), 'utf8');
const values = (key: string): string[] => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');

describe('the agent’s systemd unit', () => {
  it('runs the packaged binary in agent mode as the dedicated user with Docker access, and restarts it', () => {
    expect(values('User')).toEqual(['vplc-orchestrator']);
    expect(values('SupplementaryGroups')).toEqual(['docker']);
    expect(values('Restart')).toEqual(['always']);
    expect(values('WantedBy')).toEqual(['multi-user.target']);
    expect(values('ExecStart')[0]).toMatch(/^\/opt\/vPLC-Orchestrator\/vplc-orchestrator --ozone-platform=headless agent /);
  });

  it('passes only flags the agent accepts', () => {
    const argv = (values('ExecStart')[0] ?? '').split(/\s+/);
    const agentArgs = argv.slice(argv.indexOf('agent') + 1);
    expect(() => parseArgs(agentArgs)).not.toThrow();
    expect(parseArgs(agentArgs).flags).toMatchObject({ 'data-dir': '/var/lib/vplc-orchestrator', 'ui-port': '48750' });
  });

  it('writes the attach token group-readable in the runtime directory', () => {
    expect(values('Environment')).toEqual(expect.arrayContaining(['VPLC_TOKEN_FILE=/run/vplc-orchestrator/token', 'VPLC_TOKEN_FILE_MODE=0640']));
    expect(values('RuntimeDirectory')).toEqual(['vplc-orchestrator']);
  });
});
