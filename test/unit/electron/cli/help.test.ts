// Every subcommand answers --help (and -h) with its own usage on stdout and exit 0, before it parses anything else;
// an unknown command or a usage error goes to stderr, prefixed with the command.
import { describe, expect, it } from 'vitest';
import { main } from '../../../../electron/cli/main.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {}, { out: (s) => void (out += s), err: (s) => void (err += s) });
  return { code, out, err };
}

describe('vplc-orchestrator <command> --help', () => {
  it.each(['agent', 'status', 'open', 'enroll', 'image', 'plc', 'support', 'cloud-sim'])('%s --help prints its usage on stdout and exits 0', async (cmd) => {
    for (const flag of ['--help', '-h']) {
      const r = await run([cmd, flag]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^usage: vplc-orchestrator ${cmd}\\b`));
    }
  });

  it('answers --help even after other options (enroll used to say "unknown option --help", status "--help needs a value")', async () => {
    expect(await run(['enroll', '--mtls-dir', '/nonexistent', '--help'])).toMatchObject({ code: 0, err: '' });
    expect((await run(['status', '--data-dir', '--help'])).out).toMatch(/^usage: vplc-orchestrator status/);
  });

  it('lists every command, with `help <command>` for one of them', async () => {
    const all = await run(['--help']);
    expect(all.code).toBe(0);
    for (const cmd of ['agent', 'status', 'open', 'enroll', 'image', 'plc', 'support', 'cloud-sim']) expect(all.out).toMatch(new RegExp(`^  ${cmd} `, 'm'));
    expect((await run(['help', 'support'])).out).toMatch(/^usage: vplc-orchestrator support/);
  });

  it('names an unknown command on stderr and exits 2', async () => {
    const r = await run(['stauts']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^vplc-orchestrator: unknown command "stauts"/);
  });

  it('prefixes a usage error with the command and shows that command’s usage', async () => {
    const r = await run(['support', '--out']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^vplc-orchestrator support: --out needs a file name\n\nusage: vplc-orchestrator support/);
  });
});
