import { hostWorker } from '../../lib/worker/host.js';
import { CloudlinkWorker } from './worker.js';

hostWorker(new CloudlinkWorker());
