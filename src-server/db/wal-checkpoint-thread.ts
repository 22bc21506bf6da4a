import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3-multiple-ciphers';
import { checkpointPassive, walFramesWaiting } from '../../src-shared/sqlite/wal-checkpoint';
import { walCheckpointerSettingsSchema } from './wal-checkpointer';

// The thread of startWalCheckpointer (wal-checkpointer.ts): its own connection, looking at the WAL
// every interval and moving it into the database file once enough has gathered.
const settings = walCheckpointerSettingsSchema.parse(workerData);
const connection = new Database(settings.file, { fileMustExist: true });
// Once started, it goes on each interval until it finds nothing left to move: a write starts the WAL
// over from its beginning only if it begins while the database holds all of it. Under a steady
// stream of pushes the frames committed while a checkpoint ran would otherwise wait below the
// threshold, and the file would grow by a threshold's worth each time.
let catchingUp = false;
const timer = setInterval(() => {
  const waiting = walFramesWaiting(connection);
  if (waiting === 0) catchingUp = false;
  if (waiting === 0 || (waiting < settings.thresholdFrames && !catchingUp)) return;
  checkpointPassive(connection);
  catchingUp = true;
}, settings.intervalMs);

parentPort?.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  connection.close();
  parentPort?.close();
});
