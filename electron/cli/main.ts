import { runAgent, type AgentHooks } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { runCloudSim } from './cloud-sim.js';
import { runEnroll } from './enroll.js';
import { runImage } from './image.js';
import { printStatus } from './status.js';
import { runSupport } from './support.js';

const USAGE = `usage: vplc-orchestrator <command> [options]

commands:
  agent     run the agent headless: keeps this installation's vPLCs running, links to the cloud, serves the local API
  enroll    enrol this PC with the cloud (or import an existing key and certificate); see \`enroll --help\`
  status    which agent runs (or why none does) and this installation's vPLCs (read-only)
  image     runtime images on this PC: \`image list\`, \`image load FILE\` (a docker save archive), \`image pull VERSION\`; see \`image --help\`
  support   write a redacted support bundle (logs, status, settings, journal) [--out FILE]
  cloud-sim run the local cloud simulator (development tool, source checkouts only)

agent options (flags > VPLC_* environment > settings file > defaults):
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
`;

export async function main(argv: string[], hooks: AgentHooks = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'agent') return await runAgent(rest, hooks);
    if (cmd === 'status') return await printStatus(rest);
    if (cmd === 'enroll') return await runEnroll(rest);
    if (cmd === 'support') return await runSupport(rest);
    if (cmd === 'image') return await runImage(rest);
    if (cmd === 'cloud-sim') return await runCloudSim(rest);
    process.stdout.write(USAGE);
    return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`vplc-orchestrator: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
