import { runAgent, type AgentHooks } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { CLOUD_SIM_USAGE, runCloudSim } from './cloud-sim.js';
import { ENROLL_USAGE } from './enroll-usage.js';
import { IMAGE_USAGE, runImage } from './image.js';
import { OPEN_USAGE, runOpen } from './open.js';
import { PLC_USAGE, runPlc } from './plc.js';
import { printStatus, STATUS_USAGE } from './status.js';
import { runSupport, SUPPORT_USAGE } from './support.js';

const AGENT_OPTIONS = `agent options (flags > VPLC_* environment > settings file > defaults):
  --settings FILE          settings file (default $XDG_CONFIG_HOME/vplc-orchestrator/settings.json)
  --no-cloud               local-only mode (VPLC_NO_CLOUD=1)
  --cloud-url URL          cloud Socket.IO endpoint (VPLC_CLOUD_URL)
  --mtls-dir DIR           client key and certificate (VPLC_MTLS_DIR; default ~/.mtls)
  --ca-file FILE           extra CA bundle trusted for the cloud (VPLC_CA_FILE)
  --netmon-socket PATH     read network events from an external netmon socket (VPLC_NETMON_SOCKET)
  --data-dir DIR           state directory (VPLC_DATA_DIR; default $XDG_DATA_HOME/vplc-orchestrator)
  --runtime-image REPO     runtime image repository (VPLC_RUNTIME_IMAGE)
  --helper-image IMAGE     a local image for namespace helpers, instead of the one
                           built from the host's busybox (VPLC_HELPER_IMAGE)
  --internal-pool CIDR     pool for the vPLCs' internal /29 networks (VPLC_INTERNAL_POOL)
  --log-level LEVEL        debug, info, warn or error (VPLC_LOG_LEVEL)
  --ui-port PORT           loopback port of the local UI and API (VPLC_UI_PORT; default 48750, 0 picks one)
  --metrics-port PORT      loopback port of /metrics and /health (VPLC_METRICS_PORT; default 48751, 0 picks one)
  --no-metrics             no metrics endpoint (VPLC_NO_METRICS=1)
  --workers MODE           in-process (default: one isolate, the lightest) or threads (each
                           worker in its own thread and heap) (VPLC_WORKERS)
`;

const AGENT_USAGE = `usage: vplc-orchestrator agent [options]

Runs the agent headless: keeps this installation's vPLCs running, links to the cloud, serves the local UI and API on
loopback. Once ready it prints \`Open the UI: http://127.0.0.1:PORT/#token=…\` (not when its output goes to the systemd
journal: then \`vplc-orchestrator status\` or \`vplc-orchestrator open\` give the address). Ctrl-C stops the agent;
vPLCs keep running.

${AGENT_OPTIONS}`;

export const USAGE = `usage: vplc-orchestrator <command> [options]

commands:
  agent     run the agent headless: keeps this installation's vPLCs running, links to the cloud, serves the local UI and API
  status    which agent runs (or why none does), its UI address, and this installation's vPLCs with LAN IPs and warnings
  open      open the running agent's UI in the browser (or print its address when there is no display)
  enroll    enrol this PC with the cloud (or import an existing key and certificate)
  image     runtime images on this PC: \`image list\`, \`image load FILE\` (a docker save archive), \`image pull VERSION\`
  plc       the PLC inside a vPLC: \`plc status|login|create-user|logout|start|stop|upload|logs VPLC\`
  support   write a redacted support bundle (logs, status, settings, journal) [--out FILE]
  cloud-sim run the local cloud simulator (development tool, source checkouts only)

\`vplc-orchestrator <command> --help\` describes each command.

${AGENT_OPTIONS}`;

type Command = { usage: string; run(argv: string[], hooks: AgentHooks): Promise<number> };

const COMMANDS: Record<string, Command> = {
  agent: { usage: AGENT_USAGE, run: (argv, hooks) => runAgent(argv, hooks) },
  status: { usage: STATUS_USAGE, run: (argv) => printStatus(argv) },
  open: { usage: OPEN_USAGE, run: (argv) => runOpen(argv) },
  // Enrolment's certificate library is heavy: the agent and the other commands never load it.
  enroll: { usage: ENROLL_USAGE, run: async (argv) => (await import('./enroll.js')).runEnroll(argv) },
  image: { usage: IMAGE_USAGE, run: (argv) => runImage(argv) },
  plc: { usage: PLC_USAGE, run: (argv) => runPlc(argv) },
  support: { usage: SUPPORT_USAGE, run: (argv) => runSupport(argv) },
  'cloud-sim': { usage: CLOUD_SIM_USAGE, run: (argv) => runCloudSim(argv) },
};

const asksHelp = (argv: string[]): boolean => argv.some((a) => a === '--help' || a === '-h');

export type MainIo = { out(s: string): void; err(s: string): void };
const stdio: MainIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

export async function main(argv: string[], hooks: AgentHooks = {}, io: MainIo = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const topic = cmd === 'help' && rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    io.out(topic?.usage ?? USAGE);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!command) {
    io.err(`vplc-orchestrator: unknown command ${JSON.stringify(cmd)}\n\n${USAGE}`);
    return 2;
  }
  if (asksHelp(rest)) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, hooks);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`vplc-orchestrator ${cmd}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    throw err;
  }
}
