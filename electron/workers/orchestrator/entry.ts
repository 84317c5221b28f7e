import { hostWorker } from '../../lib/worker/host.js';
import { OrchestratorWorker } from './worker.js';

hostWorker(new OrchestratorWorker());
