import { parentPort, workerData } from 'node:worker_threads';
import { writeRatedSarifPlan, type RatedSarifPlan, type WorkerAnswer } from './rated-sarif';

/**
 * The worker thread that writes the rated SARIF (bundled as dist/rated-sarif-worker.js, started by
 * `writeRatedSarifInWorker`): it gets the output path and the plan, writes the log and answers once.
 */
const { outPath, plan } = workerData as { outPath: string; plan: RatedSarifPlan };
let answer: WorkerAnswer;
try {
  writeRatedSarifPlan(outPath, plan);
  answer = { ok: true };
} catch (err) {
  answer = { ok: false, message: err instanceof Error ? err.message : String(err) };
}
parentPort?.postMessage(answer);
