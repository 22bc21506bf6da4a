import { Worker } from 'node:worker_threads';
import { z } from 'zod';

export const walCheckpointerSettingsSchema = z.object({
  file: z.string().min(1),
  /** Frames not yet in the database file that make a checkpoint worth its fsyncs. */
  thresholdFrames: z.number().int().positive(),
  /** How often the thread looks at the WAL. */
  intervalMs: z.number().int().positive(),
});
export type WalCheckpointerSettings = z.infer<typeof walCheckpointerSettingsSchema>;

export interface WalCheckpointer {
  /** Stops looking and closes the thread's connection; resolves once the thread has ended. */
  stop(): Promise<void>;
}

/**
 * Moves the server's WAL into its database file from a thread of its own, so that no request waits
 * for it. Run by the request thread, as SQLite does by default (at the commit that passes its
 * threshold), a checkpoint landed inside a push batch every so often, and every request behind it
 * waited. A passive checkpoint on another connection runs beside writers
 * and readers. The connection the requests use keeps a far higher threshold of its own, so the WAL
 * stays bounded should this thread fail or fall behind.
 */
export function startWalCheckpointer(settings: WalCheckpointerSettings, onError: (error: Error) => void): WalCheckpointer {
  // The server runs from its TypeScript sources (`npm run server` is tsx); the thread is given tsx's
  // loader itself, as a server started inside vitest passes none on.
  const worker = new Worker(new URL('./wal-checkpoint-thread.ts', import.meta.url), {
    // Checked where it arrives (wal-checkpoint-thread.ts).
    workerData: settings,
    execArgv: ['--import', 'tsx'],
  });
  worker.on('error', onError);
  const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // A server that is otherwise done need not wait for a thread that only tidies up.
  worker.unref();
  return {
    async stop() {
      // Whoever waits for the stop waits for the thread: unref'd, it would let the process end
      // first, the stop never settling and the thread's connection never closed.
      worker.ref();
      worker.postMessage('stop');
      await ended;
    },
  };
}
