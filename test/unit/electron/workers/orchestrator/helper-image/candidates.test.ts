import { afterEach, describe, expect, it } from 'vitest';
import { defaultBusyboxCandidates, HOST_BUSYBOX_CANDIDATES, processResourcesPath } from '../../../../../../electron/workers/orchestrator/helper-image/rootfs.js';
import { OrchestratorSettings } from '../../../../../../electron/workers/orchestrator/settings.js';

const proc = process as { resourcesPath?: unknown };
const original = Object.getOwnPropertyDescriptor(process, 'resourcesPath');

afterEach(() => {
  if (original) Object.defineProperty(process, 'resourcesPath', original);
  else delete proc.resourcesPath;
});

describe('where the helper busybox is looked for', () => {
  it('on plain Node: the host busybox-static first, then the .deb resources folder', () => {
    expect(processResourcesPath()).toBeUndefined();
    expect(defaultBusyboxCandidates()).toEqual(['/bin/busybox', '/usr/bin/busybox', '/opt/vPLC-Orchestrator/resources/busybox']);
  });

  it('in a package: the host busybox-static first, then the one in the resources folder (an AppImage mount)', () => {
    const list = defaultBusyboxCandidates('/tmp/.mount_vPLC-abc123/resources/');
    expect(list).toEqual([...HOST_BUSYBOX_CANDIDATES, '/tmp/.mount_vPLC-abc123/resources/busybox', '/opt/vPLC-Orchestrator/resources/busybox']);
  });

  it("takes Electron's process.resourcesPath when no folder is given, and lists the .deb's folder once", () => {
    proc.resourcesPath = '/opt/vPLC-Orchestrator/resources';
    expect(processResourcesPath()).toBe('/opt/vPLC-Orchestrator/resources');
    expect(defaultBusyboxCandidates()).toEqual(['/bin/busybox', '/usr/bin/busybox', '/opt/vPLC-Orchestrator/resources/busybox']);
    proc.resourcesPath = '';
    expect(processResourcesPath()).toBeUndefined();
  });

  it('leaves the list to the runtime unless the setting names one, which then wins', () => {
    expect(OrchestratorSettings.parse({ dataDir: '/d' }).busyboxPaths).toBeUndefined();
    const set = OrchestratorSettings.parse({ dataDir: '/d', busyboxPaths: ['/srv/busybox'], resourcesPath: '/r' });
    expect(set.busyboxPaths).toEqual(['/srv/busybox']);
    expect(set.resourcesPath).toBe('/r');
    expect(() => OrchestratorSettings.parse({ dataDir: '/d', resourcesPath: 7 })).toThrow(/resourcesPath/);
  });
});
