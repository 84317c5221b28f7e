import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CgroupReader,
  containerCpuPercent,
  jiffiesToNs,
  parseKeyedValue,
  parseMountinfo,
  parseProcCgroup,
  parseSingleNumber,
  resolveCgroupFiles,
  workingSetBytes,
} from '../../../../../../electron/workers/orchestrator/metrics/cgroup.js';
import { mapLimit } from '../../../../../../electron/workers/orchestrator/metrics/async.js';

const ID = 'dfbdadd06ad05e1cd96425cc60253442a00b6762a4533a67da55e77529fb50e2';

const V1_PROC_CGROUP = `12:pids:/docker/${ID}
11:cpu,cpuacct:/docker/${ID}
10:memory:/docker/${ID}
1:name=systemd:/docker/${ID}
0::/docker/${ID}
`;

const V2_PROC_CGROUP = `0::/system.slice/docker-${ID}.scope\n`;

function v1Mountinfo(root: string): string {
  return `25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw
31 25 0:28 / ${root}/sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
32 31 0:29 / ${root}/sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / ${root}/sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
40 31 0:37 / ${root}/sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / ${root}/sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
`;
}

function v2Mountinfo(root: string): string {
  return `25 30 0:23 / /sys rw,nosuid - sysfs sysfs rw
31 25 0:28 / ${root}/sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
}

describe('parsers', () => {
  it('parses /proc/<pid>/cgroup for v1 and v2', () => {
    const v1 = parseProcCgroup(V1_PROC_CGROUP);
    expect(v1[1]).toEqual({ hierarchyId: 11, controllers: ['cpu', 'cpuacct'], path: `/docker/${ID}` });
    expect(v1[4]).toEqual({ hierarchyId: 0, controllers: [], path: `/docker/${ID}` });
    expect(parseProcCgroup('garbage\n\n')).toEqual([]);
  });

  it('parses mountinfo with escapes and super options', () => {
    const m = parseMountinfo('32 31 0:29 /a\\040b /sys/fs/cgroup/cpu\\040x rw - cgroup cgroup rw,cpu,cpuacct\n');
    expect(m).toEqual([{ root: '/a b', mountPoint: '/sys/fs/cgroup/cpu x', fsType: 'cgroup', superOptions: ['rw', 'cpu', 'cpuacct'] }]);
  });

  it('reads keyed and single values', () => {
    expect(parseKeyedValue('usage_usec 123\nuser_usec 100\n', 'usage_usec')).toBe(123);
    expect(parseKeyedValue('cache 5\ntotal_inactive_file 77\n', 'total_inactive_file')).toBe(77);
    expect(parseKeyedValue('inactive_file 5\n', 'total_inactive_file')).toBeNull();
    // Found in place (no split per line), with the line-by-line reading's answers.
    const byLines = (text: string, key: string): number | null => {
      for (const line of text.split('\n')) {
        const parts = line.trim().split(/\s+/);
        if (parts[0] === key && parts[1] !== undefined) return Number.isFinite(Number(parts[1])) ? Number(parts[1]) : null;
      }
      return null;
    };
    const texts = [
      'total_inactive_file 9\ninactive_file 5\n',
      'inactive_file_x 1\n  inactive_file\t42 extra\n',
      'inactive_file\ninactive_file 7',
      'inactive_file   \ninactive_file 8\n',
      'inactive_file abc\n',
      'xinactive_file 1\n',
      '',
    ];
    for (const t of texts) expect([t, parseKeyedValue(t, 'inactive_file')]).toEqual([t, byLines(t, 'inactive_file')]);
    expect(parseSingleNumber('405504\n')).toBe(405504);
    expect(parseSingleNumber('max\n')).toBeNull();
  });

  it('never lets memory go below 0', () => {
    expect(workingSetBytes(1000, 300)).toBe(700);
    expect(workingSetBytes(1000, 5000)).toBe(0);
    expect(workingSetBytes(1000, null)).toBe(1000);
  });
});

describe('resolveCgroupFiles', () => {
  it('prefers v1 controllers on a hybrid host, found through mountinfo', () => {
    const f = resolveCgroupFiles(parseProcCgroup(V1_PROC_CGROUP), parseMountinfo(v1Mountinfo('')));
    expect(f).toEqual({
      version: 1,
      cpuDir: `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}`,
      memoryDir: `/sys/fs/cgroup/memory/docker/${ID}`,
      cpuacctUsage: `/sys/fs/cgroup/cpu,cpuacct/docker/${ID}/cpuacct.usage`,
      memoryUsage: `/sys/fs/cgroup/memory/docker/${ID}/memory.usage_in_bytes`,
      memoryStat: `/sys/fs/cgroup/memory/docker/${ID}/memory.stat`,
    });
  });

  it('handles separate cpu and cpuacct hierarchies', () => {
    const proc = `2:cpuacct:/docker/${ID}\n1:cpu:/docker/${ID}\n4:memory:/docker/${ID}\n`;
    const mi = `33 31 0:30 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct
32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
`;
    const f = resolveCgroupFiles(parseProcCgroup(proc), parseMountinfo(mi));
    expect(f?.version === 1 ? f.cpuacctUsage : null).toBe(`/sys/fs/cgroup/cpuacct/docker/${ID}/cpuacct.usage`);
  });

  it('strips a non-root mount root (cgroup mounted from inside a container)', () => {
    const proc = `4:memory:/docker/${ID}/child\n3:cpuacct:/docker/${ID}/child\n`;
    const mi = `115 114 0:29 /docker/${ID} /sys/fs/cgroup/cpuacct ro - cgroup cgroup rw,cpuacct
116 114 0:32 /docker/${ID} /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
`;
    const f = resolveCgroupFiles(parseProcCgroup(proc), parseMountinfo(mi));
    expect(f?.version === 1 ? [f.cpuDir, f.memoryDir] : null).toEqual(['/sys/fs/cgroup/cpuacct/child', '/sys/fs/cgroup/memory/child']);
  });

  it('uses the 0:: line on a pure v2 host', () => {
    const f = resolveCgroupFiles(parseProcCgroup(V2_PROC_CGROUP), parseMountinfo(v2Mountinfo('')));
    expect(f).toEqual({
      version: 2,
      dir: `/sys/fs/cgroup/system.slice/docker-${ID}.scope`,
      cpuStat: `/sys/fs/cgroup/system.slice/docker-${ID}.scope/cpu.stat`,
      memoryCurrent: `/sys/fs/cgroup/system.slice/docker-${ID}.scope/memory.current`,
      memoryStat: `/sys/fs/cgroup/system.slice/docker-${ID}.scope/memory.stat`,
    });
  });

  it('returns null when nothing is mounted', () => {
    expect(resolveCgroupFiles(parseProcCgroup(V2_PROC_CGROUP), [])).toBeNull();
    expect(resolveCgroupFiles([], parseMountinfo(v2Mountinfo('')))).toBeNull();
  });
});

describe('CPU maths', () => {
  it('converts jiffies at CLK_TCK 100', () => {
    expect(jiffiesToNs(1)).toBe(10_000_000);
    expect(jiffiesToNs(250, 250)).toBe(1e9);
  });

  it('is (Δcontainer / Δhost) × cpus × 100, 0 unless both deltas are positive', () => {
    // Host: 2 CPUs over 1 s = 2e9 ns of host CPU time; container used 0.5 s → 50 % of one CPU.
    expect(containerCpuPercent(5e8, 2e9, 2)).toBe(50);
    expect(containerCpuPercent(2e9, 2e9, 2)).toBe(200);
    expect(containerCpuPercent(0, 2e9, 2)).toBe(0);
    expect(containerCpuPercent(5e8, 0, 2)).toBe(0);
    expect(containerCpuPercent(-1, 2e9, 2)).toBe(0);
  });
});

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await Promise.resolve();
      await Promise.resolve();
      active--;
      return n * 2;
    });
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(peak).toBe(3);
    expect(await mapLimit([], 3, async (n: number) => n)).toEqual([]);
  });
});

describe('CgroupReader on a fixture tree', () => {
  let root = '';
  const write = (rel: string, text: string): void => {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'vt-cgroup-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('samples a v1 container and computes CPU % from successive samples', async () => {
    write('proc/self/mountinfo', v1Mountinfo(root));
    write('proc/4242/cgroup', V1_PROC_CGROUP);
    const cpuDir = `sys/fs/cgroup/cpu,cpuacct/docker/${ID}`;
    const memDir = `sys/fs/cgroup/memory/docker/${ID}`;
    write(`${cpuDir}/cpuacct.usage`, '1000000000\n');
    write(`${memDir}/memory.usage_in_bytes`, `${100 * 1024 * 1024}\n`);
    write(`${memDir}/memory.stat`, `cache 1000\ninactive_file 99\ntotal_inactive_file ${20 * 1024 * 1024}\n`);

    const reader = new CgroupReader({ procRoot: join(root, 'proc') });
    const target = { name: 'plc1', containerId: ID, pid: 4242 };
    const first = await reader.sample(target, { totalJiffies: 10_000, onlineCpus: 2 });
    expect(first).toEqual({ name: 'plc1', containerId: ID, cpuPercent: null, memoryBytes: 80 * 1024 * 1024 });
    expect(reader.cachedCount).toBe(1);
    // Only the three counter files stay open; /proc/<pid>/cgroup and mountinfo are read once and closed.
    expect(reader.openFileCount).toBe(3);

    // +1 s of wall time on 2 CPUs = +200 jiffies of host time; the container burned 0.5 s.
    write(`${cpuDir}/cpuacct.usage`, '1500000000\n');
    const second = await reader.sample(target, { totalJiffies: 10_200, onlineCpus: 2 });
    expect(second.cpuPercent).toBeCloseTo(50, 9);

    // The resolved directory is cached: a changed /proc/<pid>/cgroup is not re-read.
    write('proc/4242/cgroup', '0::/elsewhere\n');
    await reader.sample(target, { totalJiffies: 10_400, onlineCpus: 2 });
    // A restart (new pid) re-resolves.
    write('proc/5000/cgroup', V1_PROC_CGROUP);
    const restarted = await reader.sample({ ...target, pid: 5000 }, { totalJiffies: 10_600, onlineCpus: 2 });
    expect(restarted.cpuPercent).toBeNull();
    reader.retain([{ containerId: ID, pid: 5000 }]);
    expect(reader.cachedCount).toBe(1);
    expect(reader.openFileCount).toBe(3);
    reader.forget(ID);
    expect(reader.cachedCount).toBe(0);
    expect(reader.openFileCount).toBe(0);
    await reader.close();
  });

  it('samples a v2 container', async () => {
    write('proc/self/mountinfo', v2Mountinfo(root));
    write('proc/77/cgroup', V2_PROC_CGROUP);
    const dir = `sys/fs/cgroup/system.slice/docker-${ID}.scope`;
    write(`${dir}/cpu.stat`, 'usage_usec 2000000\nuser_usec 1500000\nsystem_usec 500000\n');
    write(`${dir}/memory.current`, '52428800\n');
    write(`${dir}/memory.stat`, 'anon 1000\nfile 2000\ninactive_file 10485760\nactive_file 5\n');

    const reader = new CgroupReader({ procRoot: join(root, 'proc') });
    const target = { name: 'plc2', containerId: ID, pid: 77 };
    const usage = await reader.readUsage(target);
    expect(usage).toEqual({ version: 2, cpuNs: 2e9, memoryBytes: 40 * 1024 * 1024 });

    await reader.sample(target, { totalJiffies: 0, onlineCpus: 4 });
    write(`${dir}/cpu.stat`, 'usage_usec 3000000\n');
    // 4 CPUs for 1 s = 400 jiffies; container used 1 s → 100 %.
    const s = await reader.sample(target, { totalJiffies: 400, onlineCpus: 4 });
    expect(s.cpuPercent).toBeCloseTo(100, 9);
  });

  it('leaves out failing containers in sampleMany and drops stale cache entries', async () => {
    write('proc/self/mountinfo', v2Mountinfo(root));
    write('proc/77/cgroup', V2_PROC_CGROUP);
    const dir = `sys/fs/cgroup/system.slice/docker-${ID}.scope`;
    write(`${dir}/cpu.stat`, 'usage_usec 1\n');
    write(`${dir}/memory.current`, '10\n');
    write(`${dir}/memory.stat`, 'inactive_file 0\n');
    const reader = new CgroupReader({ procRoot: join(root, 'proc') });
    const ok = { name: 'ok', containerId: ID, pid: 77 };
    const gone = { name: 'gone', containerId: 'b'.repeat(64), pid: 99 };
    const errors: string[] = [];
    const out = await reader.sampleMany([ok, gone], null, (t) => errors.push(t.name));
    expect(out.map((s) => s.name)).toEqual(['ok']);
    expect(errors).toEqual(['gone']);
    expect(reader.cachedCount).toBe(1);
    expect(reader.openFileCount).toBe(3);
    await reader.sampleMany([], null);
    expect(reader.cachedCount).toBe(0);
    expect(reader.openFileCount).toBe(0);
  });

  it('times out a container read after 2 s', async () => {
    vi.useFakeTimers();
    try {
      const reader = new CgroupReader({ readText: () => new Promise<string>(() => undefined) });
      const errors: string[] = [];
      const p = reader.sampleMany([{ name: 'stuck', containerId: ID, pid: 1 }], null, (_t, e) => errors.push(e.message));
      await vi.advanceTimersByTimeAsync(2000);
      expect(await p).toEqual([]);
      expect(errors[0]).toMatch(/timed out after 2000 ms/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects a target without a pid', async () => {
    const reader = new CgroupReader({ procRoot: join(root, 'proc') });
    await expect(reader.resolve({ containerId: ID, pid: 0 })).rejects.toThrow(/no running pid/);
  });
});
