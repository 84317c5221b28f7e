import { describe, expect, it } from 'vitest';
import {
  HostMetricsReader,
  bytesToGiB1,
  DISK_REFRESH_MS,
  cpuTimesFromFields,
  diskBytes,
  hostCpuPercent,
  memoryUsedBytes,
  parseMeminfo,
  parseMounts,
  parseOsReleasePrettyName,
  parseProcStat,
  selectDiskMounts,
  type StatfsResult,
} from '../../../../../../electron/workers/orchestrator/metrics/host.js';

const STAT_A = `cpu  1000 50 500 8000 200 10 20 30 400 40
cpu0 500 25 250 4000 100 5 10 15 200 20
cpu1 500 25 250 4000 100 5 10 15 200 20
intr 123456 0 0
ctxt 999
btime 1712700000
`;
// +300 user (of which +100 guest), +0 nice, +100 system, +500 idle, +100 iowait, +guest_nice 50
const STAT_B = `cpu  1300 50 600 8500 300 10 20 30 500 90
cpu0 650 25 300 4250 150 5 10 15 250 45
cpu1 650 25 300 4250 150 5 10 15 250 45
intr 123999 0 0
`;

const MEMINFO = `MemTotal:       16384000 kB
MemFree:         4096000 kB
MemAvailable:    9000000 kB
Buffers:          512000 kB
Cached:          3072000 kB
SwapCached:            0 kB
SReclaimable:     256000 kB
SUnreclaim:       100000 kB
HugePages_Total:       0
`;

const MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
udev /dev devtmpfs rw,nosuid,relatime 0 0
/dev/sda1 / ext4 rw,relatime,errors=remount-ro 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
/dev/sda1 /var/lib/docker ext4 rw,relatime 0 0
/dev/sdb1 /mnt/data\\040disk xfs rw,relatime 0 0
overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
none /sys/kernel/x NONE rw 0 0
/dev/sdc1 /mnt/broken ext4 rw 0 0
/dev/loop0 /snap/core/1 squashfs ro 0 0
`;

describe('parseProcStat', () => {
  it('parses the aggregate line and counts online CPUs', () => {
    const s = parseProcStat(STAT_A);
    expect(s).not.toBeNull();
    // total = user..steal = 1000+50+500+8000+200+10+20+30 (guest 400 and guest_nice 40 excluded)
    expect(s?.aggregate.total).toBe(9810);
    expect(s?.aggregate.busy).toBe(9810 - 8000 - 200);
    expect(s?.onlineCpus).toBe(2);
  });

  it('excludes guest and guest_nice from the total', () => {
    const withGuest = cpuTimesFromFields(['10', '0', '10', '80', '0', '0', '0', '0', '999', '999']);
    const withoutGuest = cpuTimesFromFields(['10', '0', '10', '80', '0', '0', '0', '0']);
    expect(withGuest).toEqual(withoutGuest);
    expect(withGuest).toEqual({ busy: 20, total: 100 });
  });

  it('accepts old kernels with only four fields', () => {
    expect(cpuTimesFromFields(['1', '2', '3', '4'])).toEqual({ busy: 6, total: 10 });
  });

  it('returns null without an aggregate line or with garbage', () => {
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeNull();
    expect(parseProcStat('cpu  a b c d\n')).toBeNull();
    expect(parseProcStat('')).toBeNull();
  });
});

describe('hostCpuPercent', () => {
  it('is 100 × Δbusy / Δtotal rounded to one decimal', () => {
    const a = parseProcStat(STAT_A)?.aggregate;
    const b = parseProcStat(STAT_B)?.aggregate;
    if (a === undefined || b === undefined) throw new Error('fixture');
    // Δtotal = 300 + 0 + 100 + 500 + 100 = 1000; Δbusy = 1000 − 500 − 100 = 400. Guest deltas ignored.
    expect(hostCpuPercent(a, b)).toBe(40);
    expect(hostCpuPercent({ busy: 0, total: 0 }, { busy: 1, total: 3 })).toBe(33.3);
    expect(hostCpuPercent({ busy: 0, total: 0 }, { busy: 2, total: 3 })).toBe(66.7);
  });

  it('is 0 when the total did not move or went backwards', () => {
    expect(hostCpuPercent({ busy: 5, total: 10 }, { busy: 5, total: 10 })).toBe(0);
    expect(hostCpuPercent({ busy: 5, total: 10 }, { busy: 1, total: 2 })).toBe(0);
  });
});

describe('meminfo', () => {
  it('parses kB into bytes and computes used the psutil way', () => {
    const m = parseMeminfo(MEMINFO);
    expect(m.memTotal).toBe(16384000 * 1024);
    expect(m.sReclaimable).toBe(256000 * 1024);
    expect(memoryUsedBytes(m)).toBe((16384000 - 4096000 - 512000 - 3072000 - 256000) * 1024);
  });

  it('falls back to MemTotal − MemFree when the formula goes negative', () => {
    const m = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 500 kB\nCached: 500 kB\nSReclaimable: 10 kB\n');
    expect(memoryUsedBytes(m)).toBe(900 * 1024);
  });

  it('rounds GiB to one decimal', () => {
    expect(bytesToGiB1(1024 ** 3 * 1.26)).toBe(1.3);
    expect(bytesToGiB1(0)).toBe(0);
  });
});

describe('mounts', () => {
  it('decodes octal escapes', () => {
    const m = parseMounts(MOUNTS).find((e) => e.device === '/dev/sdb1');
    expect(m?.mountPoint).toBe('/mnt/data disk');
  });

  it('skips listed fstypes, empty devices and devices already counted', () => {
    const mounts = [...parseMounts(MOUNTS), { device: '', mountPoint: '/x', fsType: 'ext4' }];
    const picked = selectDiskMounts(mounts).map((m) => m.mountPoint);
    expect(picked).toEqual(['/', '/mnt/data disk', '/mnt/broken']);
  });

  it('computes total and used from blocks', () => {
    expect(diskBytes({ blocks: 100, bfree: 40, bsize: 4096 })).toEqual({ total: 409600, used: 245760 });
  });
});

describe('os-release', () => {
  it('reads PRETTY_NAME, quoted or not', () => {
    expect(parseOsReleasePrettyName('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(parseOsReleasePrettyName("PRETTY_NAME='Alpine Linux v3.19'\n")).toBe('Alpine Linux v3.19');
    expect(parseOsReleasePrettyName('PRETTY_NAME=Plain\n')).toBe('Plain');
    expect(parseOsReleasePrettyName('PRETTY_NAME="Say \\"hi\\""\n')).toBe('Say "hi"');
    expect(parseOsReleasePrettyName('NAME=x\n')).toBeNull();
    expect(parseOsReleasePrettyName('PRETTY_NAME=""\n')).toBeNull();
  });
});

function fakeFs(files: Record<string, string>, statfs: Record<string, StatfsResult>): {
  readText: (f: string) => Promise<string>;
  statfs: (m: string) => Promise<StatfsResult>;
} {
  return {
    readText: async (f) => {
      const v = files[f];
      if (v === undefined) throw Object.assign(new Error(`ENOENT: ${f}`), { code: 'ENOENT' });
      return v;
    },
    statfs: async (m) => {
      const v = statfs[m];
      if (v === undefined) throw Object.assign(new Error(`EACCES: ${m}`), { code: 'EACCES' });
      return v;
    },
  };
}

const STATFS: Record<string, StatfsResult> = {
  '/': { blocks: 1024 * 256, bfree: 1024 * 128, bsize: 4096 }, // 1 GiB total, 0.5 used
  '/mnt/data disk': { blocks: 1024 * 512, bfree: 1024 * 512, bsize: 4096 }, // 2 GiB total, 0 used
  // '/mnt/broken' fails statfs and is ignored
};

describe('HostMetricsReader', () => {
  it('primes CPU at construction and reads all metrics from the injected files', async () => {
    const files: Record<string, string> = {
      '/p/stat': STAT_A,
      '/p/meminfo': MEMINFO,
      '/p/self/mounts': MOUNTS,
    };
    const reader = new HostMetricsReader({ procRoot: '/p', io: fakeFs(files, STATFS), osInfo: { cpuCount: () => 2 } });
    files['/p/stat'] = STAT_B;
    const r = await reader.read();
    expect(r.metrics.cpu_usage).toBe(40);
    expect(r.cpuTotalJiffies).toBe(10810);
    expect(r.onlineCpus).toBe(2);
    expect(r.memoryOk).toBe(true);
    const usedBytes = (16384000 - 4096000 - 512000 - 3072000 - 256000) * 1024;
    expect(r.metrics.memoryUsedBytes).toBe(usedBytes);
    expect(r.metrics.memory_usage).toBe(bytesToGiB1(usedBytes));
    expect(r.metrics.memory_total).toBe(15.6);
    expect(r.metrics.disk_total).toBe(3);
    expect(r.metrics.disk_usage).toBe(0.5);

    // Unchanged counters: 0 %. The disk total is cached even when mounts change.
    files['/p/self/mounts'] = '/dev/sda1 / ext4 rw 0 0\n';
    const r2 = await reader.read();
    expect(r2.metrics.cpu_usage).toBe(0);
    expect(r2.metrics.disk_total).toBe(3);
    expect(r2.metrics.disk_usage).toBe(0.5);
  });

  it('reads the disk again only once its figures are DISK_REFRESH_MS old, and retries a failed read at once', async () => {
    const files: Record<string, string> = { '/p/stat': STAT_A, '/p/meminfo': MEMINFO, '/p/self/mounts': MOUNTS };
    const statfs: Record<string, StatfsResult> = { ...STATFS };
    const io = fakeFs(files, statfs);
    let mountReads = 0;
    const counted = { ...io, readText: (f: string) => ((mountReads += f.endsWith('/mounts') ? 1 : 0), io.readText(f)) };
    let now = 1_000;
    const reader = new HostMetricsReader({ procRoot: '/p', io: counted, osInfo: { cpuCount: () => 2 }, monotonic: () => now });
    expect((await reader.read()).metrics.disk_usage).toBe(0.5);
    statfs['/'] = { blocks: 1024 * 256, bfree: 0, bsize: 4096 }; // 1 GiB used now
    now += DISK_REFRESH_MS - 1;
    expect((await reader.read()).metrics.disk_usage).toBe(0.5);
    expect(mountReads).toBe(1);
    now += 1;
    expect((await reader.read()).metrics.disk_usage).toBe(1);
    expect(mountReads).toBe(2);

    delete files['/p/self/mounts'];
    now += DISK_REFRESH_MS;
    expect((await reader.read()).metrics.disk_usage).toBe(0);
    files['/p/self/mounts'] = MOUNTS;
    expect((await reader.read()).metrics.disk_usage).toBe(1);
    expect(mountReads).toBe(4);
  });

  it('degrades to zeros when sources fail', async () => {
    const reader = new HostMetricsReader({ procRoot: '/none', io: fakeFs({}, {}) });
    const r = await reader.read();
    expect(r.metrics).toEqual({ cpu_usage: 0, memory_usage: 0, memory_total: 0, disk_usage: 0, disk_total: 0, memoryUsedBytes: 0 });
    expect(r.cpuTotalJiffies).toBeNull();
    expect(r.memoryOk).toBe(false);
  });

  it('collects static facts', async () => {
    const files = { '/p/stat': STAT_A, '/p/meminfo': MEMINFO, '/p/self/mounts': MOUNTS, '/e/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' };
    const osInfo = { cpuCount: () => 8, release: () => '6.8.0-45-generic', type: () => 'Linux', totalmem: () => 1 };
    const reader = new HostMetricsReader({ procRoot: '/p', etcRoot: '/e', io: fakeFs(files, STATFS), osInfo });
    expect(await reader.readFacts()).toEqual({ memory: 16000, cpu: 8, os: 'Debian GNU/Linux 12 (bookworm)', kernel: '6.8.0-45-generic', disk: 3 });
  });

  it('falls back to "<system> <release>" and os.totalmem()', async () => {
    const osInfo = { cpuCount: () => 0, release: () => '6.1.0', type: () => 'Linux', totalmem: () => 2 * 1024 ** 3 + 5 };
    const reader = new HostMetricsReader({ procRoot: '/p', etcRoot: '/e', io: fakeFs({}, {}), osInfo });
    expect(await reader.readFacts()).toEqual({ memory: 2048, cpu: 1, os: 'Linux 6.1.0', kernel: '6.1.0', disk: 0 });
  });

  it('reads the real host without throwing', async () => {
    const reader = new HostMetricsReader();
    const r = await reader.read();
    expect(r.metrics.memory_total).toBeGreaterThan(0);
    expect(r.cpuTotalJiffies).toBeGreaterThan(0);
    const facts = await reader.readFacts();
    expect(facts.cpu).toBeGreaterThanOrEqual(1);
    expect(facts.os.length).toBeGreaterThan(0);
  });
});
