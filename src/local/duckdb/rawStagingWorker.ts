/** Worker thread of rawStagingPool.stageFiles: stages each file it is sent and posts the result back. */
import { parentPort } from 'node:worker_threads';
import { stageFile, type StageTask } from './rawStaging';

parentPort!.on('message', (task: StageTask) => {
  const staged = stageFile(task);
  const transfer = staged.fast ? [staged.fast.starts.buffer, staged.fast.ends.buffer] : [];
  parentPort!.postMessage(staged, transfer as ArrayBuffer[]);
});
