/** What the helper image needs to know about a binary: is it an ELF executable, for which machine, and static? */
export type ElfFacts = { machine: string; static: boolean };

const PT_INTERP = 3;
const MACHINES: Record<number, string> = { 3: '386', 40: 'arm', 62: 'amd64', 183: 'arm64', 243: 'riscv64' };

/**
 * Reads the ELF header and program headers. A binary is static when it asks for no program interpreter
 * (no PT_INTERP): a static-pie busybox qualifies, a glibc-linked one does not. Throws on anything that is not ELF.
 */
export function elfFacts(bytes: Buffer): ElfFacts {
  if (bytes.length < 52 || bytes.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF executable');
  const is64 = bytes[4] === 2;
  const le = bytes[5] === 1;
  const u16 = (at: number): number => (le ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number): number => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const phoff = is64 ? Number(le ? bytes.readBigUInt64LE(0x20) : bytes.readBigUInt64BE(0x20)) : u32(0x1c);
  const phentsize = u16(is64 ? 0x36 : 0x2a);
  const phnum = u16(is64 ? 0x38 : 0x2c);
  if (phentsize < 4 || phoff + phentsize * phnum > bytes.length) throw new Error('truncated ELF program headers');
  let interp = false;
  for (let i = 0; i < phnum; i++) if (u32(phoff + i * phentsize) === PT_INTERP) interp = true;
  const code = u16(0x12);
  return { machine: MACHINES[code] ?? `elf-machine-${code}`, static: !interp };
}

/** Docker's `Architecture` (uname -m) in the words of `elfFacts`. */
export function engineMachine(architecture: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7l: 'arm', armv6l: 'arm', i686: '386', i386: '386', riscv64: 'riscv64' };
  return map[architecture] ?? architecture;
}
