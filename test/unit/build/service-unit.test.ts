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

  it('keeps its settings in its own state directory, where it can write them (not a root-owned /etc)', () => {
    const argv = (values('ExecStart')[0] ?? '').split(/\s+/);
    expect(parseArgs(argv.slice(argv.indexOf('agent') + 1)).settingsFile).toBe('/var/lib/vplc-orchestrator/settings.json');
    expect(values('StateDirectory')).toEqual(['vplc-orchestrator']);
    expect(values('ReadWritePaths').join(' ').split(/\s+/)).toContain('/var/lib/vplc-orchestrator');
  });

  it('takes its host lock in the runtime directory users may read but not write, kept across restarts for its report', () => {
    expect(values('Environment')).toContain('VPLC_SERVICE=1');
    expect(values('RuntimeDirectoryMode')).toEqual(['0755']);
    expect(values('RuntimeDirectoryPreserve')).toEqual(['restart']);
    expect(values('ReadWritePaths').join(' ').split(/\s+/)).toContain('/run/vplc-orchestrator');
  });

  it('starts the agent with two malloc arenas (glibc reads the variable only at process start)', () => {
    expect(values('Environment')).toContain('MALLOC_ARENA_MAX=2');
  });

  it('carries the hardening of a well-kept service', () => {
    const yes = ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectClock', 'RestrictSUIDSGID', 'LockPersonality'];
    for (const key of yes) expect(values(key), key).toEqual(['yes']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('UMask')).toEqual(['0027']);
    expect(values('RestrictAddressFamilies')).toEqual(['AF_UNIX AF_INET AF_INET6 AF_NETLINK']);
    expect(values('SystemCallFilter')[0]).toMatch(/^@system-service\b/);
    expect(values('CapabilityBoundingSet')).toEqual(['']);
  });

  it('leaves on what Electron in agent mode needs: namespaces and chroot for the zygote sandbox, W+X memory for V8', () => {
    expect(values('RestrictNamespaces')).toEqual([]);
    expect(values('MemoryDenyWriteExecute')).toEqual([]);
    expect(values('PrivateUsers')).toEqual([]);
    expect((values('SystemCallFilter')[0] ?? '').split(/\s+/)).toEqual(expect.arrayContaining(['chroot', 'seccomp']));
  });
});
