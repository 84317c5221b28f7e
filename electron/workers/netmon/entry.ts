import { hostWorker } from '../../lib/worker/host.js';
import { NetmonWorker } from './worker.js';

hostWorker(new NetmonWorker());
