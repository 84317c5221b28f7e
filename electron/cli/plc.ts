import { access } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { events, invoke } from '../../shared/api/contract.js';
import type { Envelope } from '../../shared/api/envelope.js';
import { PlcLogLevel, type PlcLogLine } from '../../shared/domain/plc.js';
import { VplcName } from '../../shared/domain/vplc.js';
import { loadConfig } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { attachToAgent } from './attach.js';
import { CompilePrinter, formatLogLine, formatPlcView } from './plc-format.js';
import { askLine, InputCancelled, readPiped, readSecret } from './terminal-input.js';

export const PLC_USAGE = `usage: vplc-orchestrator plc status VPLC [--json]
       vplc-orchestrator plc login VPLC --user NAME [--password-stdin]
       vplc-orchestrator plc create-user VPLC --user NAME [--password-stdin] [--yes]
       vplc-orchestrator plc logout VPLC [--yes]
       vplc-orchestrator plc start|stop VPLC [--yes]
       vplc-orchestrator plc upload VPLC FILE.zip [--yes]
       vplc-orchestrator plc logs VPLC [--level LEVEL] [--since ID] [--limit N] [--follow] [--json]

The PLC inside a vPLC, through the running agent (docs/plc.md):
  status       the PLC's state, program, connection, the rule that holds pending changes, and per IEC task the scan
               time, cycle time, jitter and overruns
  login        store the vPLC's runtime credentials (the agent checks them with the runtime first); they belong to
               you: kept 0600 on this PC, never logged, never in a support bundle, never sent to the cloud
  create-user  create the runtime's first user (possible only while it has none) and store it as the credentials
  logout       forget the stored credentials (the PLC keeps running; the agent stops polling it)
  start, stop  start or stop the PLC program (not the container)
  upload       send a program bundle (.zip from the editor) and wait for its compile, showing its progress and log;
               the agent reads FILE itself, so it must be readable by the agent's user. Exit code 1 when it fails.
  logs         the runtime's own log (LEVEL: DEBUG, INFO, WARNING, ERROR or CRITICAL); --since ID starts at that
               line, --follow keeps printing new lines until Ctrl-C

The password is read from the terminal without echo, or from stdin with --password-stdin. It is never taken from the
command line (--password is refused): arguments are visible to every user of this PC and stay in shell history.
Changes (create-user, logout, start, stop, upload) ask for confirmation on a terminal; --yes (-y) answers it.

options: the agent's own (--settings FILE, --data-dir DIR, --ui-port PORT, …) to find the agent; VPLC_TOKEN_FILE
names its token file when it is not in the usual place.
`;

const SUBCOMMANDS = ['status', 'login', 'create-user', 'logout', 'start', 'stop', 'upload', 'logs'] as const;
type Sub = (typeof SUBCOMMANDS)[number];
const isSub = (s: string | undefined): s is Sub => (SUBCOMMANDS as readonly string[]).includes(s ?? '');

/** The part of the agent's API client these commands use. */
export type PlcClient = {
  call(channel: string, input: unknown, timeoutMs?: number): Promise<Envelope<unknown>>;
  onEvent(cb: (name: string, payload: unknown) => void): () => void;
  close(): void;
};

export type PlcIo = {
  out(s: string): void;
  err(s: string): void;
  /** stdin is a terminal: passwords and confirmations can be asked there. */
  interactive: boolean;
  askSecret(prompt: string): Promise<string>;
  ask(question: string): Promise<string>;
  readStdin(): Promise<string>;
  sleep(ms: number): Promise<void>;
  /** Aborted when the user interrupts `logs --follow`. */
  interrupted: AbortSignal;
};

function stdio(): PlcIo {
  const ctl = new AbortController();
  return {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    interactive: process.stdin.isTTY === true,
    askSecret: (prompt) => readSecret(process.stdin, process.stderr, prompt),
    ask: (q) => askLine(process.stdin, process.stderr, q),
    readStdin: () => readPiped(process.stdin),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    get interrupted() {
      process.once('SIGINT', () => ctl.abort());
      return ctl.signal;
    },
  };
}

export type PlcArgs = {
  sub: Sub;
  name: string;
  file?: string;
  user?: string;
  passwordStdin: boolean;
  yes: boolean;
  json: boolean;
  level?: z.infer<typeof PlcLogLevel>;
  since?: number;
  limit?: number;
  follow: boolean;
  /** The agent options, for finding the agent. */
  agentArgs: string[];
};

const PASSWORD_REFUSED =
  'a password is never taken from the command line: arguments are visible to every user of this PC (ps, /proc) and stay in the shell history. Type it at the prompt, or pipe it with --password-stdin';

/** Agent options without a value; every other agent option takes one. */
const AGENT_BOOLEANS = new Set(['--no-cloud', '--no-metrics']);

function count(flag: string, v: string | undefined): number {
  if (v === undefined || !/^\d{1,9}$/.test(v)) throw new UsageError(`${flag} needs a whole number`);
  return Number(v);
}

/** Parses `plc <sub> VPLC [FILE] [options]`; every mistake is a UsageError naming the argument. */
export function parsePlcArgs(argv: string[]): PlcArgs {
  const [sub, ...rest] = argv;
  if (!isSub(sub)) throw new UsageError(sub ? `unknown plc command: ${sub} (use ${SUBCOMMANDS.join(', ')})` : `plc needs a command: ${SUBCOMMANDS.join(', ')}`);
  const a: Omit<PlcArgs, 'name'> & { name?: string } = { sub, passwordStdin: false, yes: false, json: false, follow: false, agentArgs: [] };
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const [flag, inline] = arg.startsWith('--') ? (arg.split(/=(.*)/s, 2) as [string, string | undefined]) : [arg, undefined];
    const value = (): string | undefined => inline ?? rest[++i];
    if (flag === '--password' || flag === '-p' || flag.startsWith('--pass')) {
      if (flag !== '--password-stdin') throw new UsageError(`${flag} is refused: ${PASSWORD_REFUSED}`);
      if (inline !== undefined) throw new UsageError('--password-stdin takes no value: pipe the password on stdin');
      a.passwordStdin = true;
    } else if (flag === '--user') {
      const v = value();
      if (!v || v.startsWith('--')) throw new UsageError('--user needs the runtime user name');
      a.user = v;
    } else if (flag === '--yes' || flag === '-y') a.yes = true;
    else if (flag === '--json') a.json = true;
    else if (flag === '--follow' || flag === '-f') a.follow = true;
    else if (flag === '--level') {
      const level = PlcLogLevel.safeParse(value()?.toUpperCase());
      if (!level.success) throw new UsageError(`--level must be one of ${PlcLogLevel.options.join(', ')}`);
      a.level = level.data;
    } else if (flag === '--since') a.since = count('--since', value());
    else if (flag === '--limit') {
      a.limit = count('--limit', value());
      if (a.limit < 1 || a.limit > 2000) throw new UsageError('--limit must be between 1 and 2000');
    } else if (arg.startsWith('--')) {
      a.agentArgs.push(arg);
      if (inline === undefined && !AGENT_BOOLEANS.has(flag) && rest[i + 1] !== undefined) a.agentArgs.push(rest[++i] as string);
    } else positional.push(arg);
  }
  const [name, file, ...extra] = positional;
  if (!name) throw new UsageError(`plc ${sub} needs the vPLC's name`);
  const valid = VplcName.safeParse(name);
  if (!valid.success) throw new UsageError(`vPLC name ${JSON.stringify(name)}: ${valid.error.issues[0]?.message ?? 'invalid'}`);
  if (sub === 'upload' && !file) throw new UsageError('plc upload needs the program bundle: vplc-orchestrator plc upload VPLC FILE.zip');
  const unexpected = sub === 'upload' ? extra : [file, ...extra].filter((x) => x !== undefined);
  if (unexpected.length) throw new UsageError(`unexpected argument: ${unexpected[0]}`);
  if ((sub === 'login' || sub === 'create-user') && !a.user) throw new UsageError(`plc ${sub} needs --user NAME (the runtime user)`);
  const allowed: Record<Sub, Array<keyof PlcArgs>> = {
    status: ['json'],
    login: ['user', 'passwordStdin'],
    'create-user': ['user', 'passwordStdin', 'yes'],
    logout: ['yes'],
    start: ['yes'],
    stop: ['yes'],
    upload: ['yes'],
    logs: ['level', 'since', 'limit', 'follow', 'json'],
  };
  const given = (['user', 'passwordStdin', 'yes', 'json', 'level', 'since', 'limit', 'follow'] as const).filter((k) => a[k] !== undefined && a[k] !== false);
  const stray = given.find((k) => !allowed[sub].includes(k));
  if (stray) throw new UsageError(`plc ${sub} takes no ${OPTION_NAMES[stray]}`);
  return { ...a, name: valid.data, ...(file !== undefined && sub === 'upload' ? { file } : {}) };
}

const OPTION_NAMES: Record<string, string> = { user: '--user', passwordStdin: '--password-stdin', yes: '--yes', json: '--json', level: '--level', since: '--since', limit: '--limit', follow: '--follow' };

function value<S extends z.ZodType>(env: Envelope<unknown>, schema: S): z.output<S> {
  if (!env.ok) throw new Error(env.error.message);
  const parsed = schema.safeParse(env.value);
  if (!parsed.success) throw new Error(`the agent answered with an unexpected shape: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** A refusal the user should read as such (exit 1), not a crash. */
class Refused extends Error {}

async function confirm(a: PlcArgs, io: PlcIo, question: string): Promise<void> {
  if (a.yes) return;
  if (!io.interactive) throw new Refused(`${question.replace(/\?$/, '')}: no terminal to confirm on; add --yes`);
  const answer = (await io.ask(`${question} [y/N] `)).trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') throw new Refused('not confirmed; nothing changed');
}

async function password(a: PlcArgs, io: PlcIo, twice: boolean): Promise<string> {
  if (a.passwordStdin) {
    const p = await io.readStdin();
    if (!p) throw new Refused('--password-stdin: stdin was empty');
    return p;
  }
  if (!io.interactive) throw new Refused('no terminal to ask the password on; pipe it with --password-stdin');
  const p = await io.askSecret(`runtime password for ${a.user ?? ''}: `);
  if (!p) throw new Refused('no password given');
  if (twice && (await io.askSecret('again, to be sure: ')) !== p) throw new Refused('the two passwords differ; nothing changed');
  return p;
}

const UPLOAD_TIMEOUT_MS = 11 * 60_000;
const FOLLOW_PERIOD_MS = 2_000;

async function upload(client: PlcClient, a: PlcArgs, io: PlcIo): Promise<number> {
  const file = path.resolve(a.file ?? '');
  if (!(await access(file).then(() => true, () => false))) throw new Refused(`${file} does not exist or is not readable`);
  await confirm(a, io, `Upload ${path.basename(file)} to ${a.name} and compile it? The running program is replaced once the compile succeeds.`);
  const printer = new CompilePrinter(io.out);
  const stop = client.onEvent((name, payload) => {
    if (name !== 'plc:compile') return;
    const p = events['plc:compile'].safeParse(payload);
    if (p.success && p.data.name === a.name) printer.show(p.data);
  });
  let result;
  try {
    result = value(await client.call('plc:upload', { name: a.name, path: file, confirm: true }, UPLOAD_TIMEOUT_MS), invoke['plc:upload'].output);
  } finally {
    stop();
  }
  printer.show(result);
  if (result.error) {
    io.err(`upload refused: ${result.error}\n`);
    return 1;
  }
  if (result.state === 'SUCCESS') {
    io.out(`${path.basename(file)} compiled on ${a.name}\n`);
    return 0;
  }
  io.err(`compile ${result.state === 'FAILED' ? 'FAILED' : `ended in state ${result.state}`}${result.exit_code !== null ? ` (exit code ${result.exit_code})` : ''}; the compiler's log is above\n`);
  return 1;
}

async function logs(client: PlcClient, a: PlcArgs, io: PlcIo): Promise<number> {
  const ask = async (since: number | undefined): Promise<PlcLogLine[]> =>
    value(
      await client.call('plc:logs', { name: a.name, ...(since !== undefined ? { since_id: since } : {}), ...(a.level ? { level: a.level } : {}), ...(a.limit ? { limit: a.limit } : {}) }),
      invoke['plc:logs'].output,
    );
  const print = (lines: PlcLogLine[]): void => {
    for (const l of lines) io.out(a.json ? `${JSON.stringify(l)}\n` : formatLogLine(l));
  };
  let lines = await ask(a.since);
  if (!a.follow && a.json) {
    io.out(`${JSON.stringify(lines, null, 2)}\n`);
    return 0;
  }
  print(lines);
  if (!a.follow) return 0;
  let last = lines.at(-1)?.id ?? (a.since !== undefined ? a.since - 1 : -1);
  const interrupted = io.interrupted;
  while (!interrupted.aborted) {
    await io.sleep(FOLLOW_PERIOD_MS);
    if (interrupted.aborted) break;
    // The runtime's `since` includes that line; a line seen already is not printed twice.
    lines = (await ask(last + 1)).filter((l) => l.id > last);
    print(lines);
    last = lines.at(-1)?.id ?? last;
  }
  return 0;
}

/** Runs one parsed command against the agent; 0 done, 1 refused or failed (the reason printed). */
export async function runPlcCommand(client: PlcClient, a: PlcArgs, io: PlcIo): Promise<number> {
  const { name } = a;
  switch (a.sub) {
    case 'status': {
      const status = value(await client.call('vplc:status', { name }), invoke['vplc:status'].output);
      if (!status.plc) {
        if (a.json) io.out('null\n');
        io.err(status.status === 'not_found' ? `${status.message ?? `no vPLC named ${name}`}\n` : `the agent reports no PLC view for ${name} (status ${status.status}${status.error ? `: ${status.error}` : ''})\n`);
        return 1;
      }
      io.out(a.json ? `${JSON.stringify(status.plc, null, 2)}\n` : formatPlcView(name, status.plc));
      return 0;
    }
    case 'login':
    case 'create-user': {
      if (a.sub === 'create-user') await confirm(a, io, `Create the runtime's first user ${a.user ?? ''} on ${name}?`);
      const secret = await password(a, io, a.sub === 'create-user');
      const channel = a.sub === 'login' ? 'plc:set-credentials' : 'plc:create-user';
      const r = value(await client.call(channel, { name, username: a.user, password: secret }, 30_000), invoke[channel].output);
      io.out(`${r.message}\n`);
      return 0;
    }
    case 'logout':
      await confirm(a, io, `Forget the runtime credentials of ${name}?`);
      value(await client.call('plc:clear-credentials', { name, confirm: true }), invoke['plc:clear-credentials'].output);
      io.out(`the runtime credentials of ${name} are forgotten; its PLC shows "not connected" from now on\n`);
      return 0;
    case 'start':
    case 'stop': {
      await confirm(a, io, `${a.sub === 'start' ? 'Start' : 'Stop'} the PLC program of ${name}?`);
      const r = value(await client.call(`plc:${a.sub}`, { name, confirm: true }, 30_000), invoke[`plc:${a.sub}`].output);
      (r.ok ? io.out : io.err)(`${r.answer}: ${r.message}${r.status ? ` (PLC ${r.status})` : ''}\n`);
      return r.ok ? 0 : 1;
    }
    case 'upload':
      return upload(client, a, io);
    case 'logs':
      return logs(client, a, io);
  }
}

export type Connect = (agentArgs: string[]) => Promise<PlcClient>;
const connectToAgent: Connect = async (agentArgs) => attachToAgent((await loadConfig(agentArgs)).config);

/** `vplc-orchestrator plc <command> VPLC …`: 0 done, 1 refused or failed (the reason printed), 2 usage. */
export async function runPlc(argv: string[], io: PlcIo = stdio(), connect: Connect = connectToAgent): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(PLC_USAGE);
    return 0;
  }
  const a = parsePlcArgs(argv);
  let client: PlcClient;
  try {
    client = await connect(a.agentArgs);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    io.err(`vplc-orchestrator plc: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    return await runPlcCommand(client, a, io);
  } catch (err) {
    io.err(err instanceof InputCancelled ? 'cancelled; nothing changed\n' : `vplc-orchestrator plc ${a.sub}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    client.close();
  }
}
