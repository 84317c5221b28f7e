import { describe, expect, it } from 'vitest';
import { netnsHelperSpec } from '../../../../../electron/workers/orchestrator/spec/netns-helper.js';

const hardened = { CapDrop: ['ALL'], CapAdd: ['NET_ADMIN', 'NET_RAW'], ReadonlyRootfs: true, RestartPolicy: { Name: 'no' } };

describe('the netns helper spec', () => {
  it('joins the target namespace with NET_ADMIN/NET_RAW only, read-only and never restarted (one-shot script)', () => {
    expect(netnsHelperSpec({ image: 'busybox:1', target: 'abc', cmd: ['sh', '-c', 'ip link'], labels: { a: '1' } })).toEqual({
      name: expect.stringMatching(/^agent-helper-[0-9a-f]{6}$/) as unknown,
      Image: 'busybox:1',
      Cmd: ['sh', '-c', 'ip link'],
      Labels: { a: '1' },
      HostConfig: { NetworkMode: 'container:abc', ...hardened },
    });
  });

  it('adds the environment and a tmpfs for the DHCP client', () => {
    const spec = netnsHelperSpec({ image: 'busybox:1', target: 'abc', cmd: ['sh', '-c', 'x'], labels: {}, env: ['VPLC_MACS=02:00:00:00:00:01'], tmpfs: { '/tmp': 'rw,size=512k' } });
    expect(spec.Env).toEqual(['VPLC_MACS=02:00:00:00:00:01']);
    expect(spec.HostConfig).toEqual({ NetworkMode: 'container:abc', ...hardened, Tmpfs: { '/tmp': 'rw,size=512k' } });
    expect(spec.OpenStdin).toBeUndefined();
  });

  it('attaches stdin and removes itself for the MAC helper', () => {
    const spec = netnsHelperSpec({ image: 'busybox:1', target: 'abc', cmd: ['sh', '-s'], labels: {}, stdin: true, autoRemove: true });
    expect(spec).toMatchObject({ OpenStdin: true, StdinOnce: true, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false });
    expect(spec.HostConfig).toEqual({ NetworkMode: 'container:abc', ...hardened, AutoRemove: true });
    expect(spec.Env).toBeUndefined();
  });
});
