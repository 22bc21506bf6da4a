import { z } from 'zod';

/**
 * A connection that can run a pragma; structural, so the client's encrypted store and the server's
 * database share these without a dependency here.
 */
export interface PragmaConnection {
  pragma(source: string): unknown;
}

/** What `PRAGMA wal_checkpoint` answers: frames in the WAL, and how many of them the database holds already. */
export const walCheckpointState = z.tuple([z.object({ busy: z.number(), log: z.number(), checkpointed: z.number() })]);
export type WalCheckpointState = z.infer<typeof walCheckpointState>[0];

/** Frames in the WAL that the database file does not hold yet. NOOP (SQLite 3.51) only reads the counts. */
export function walFramesWaiting(connection: PragmaConnection): number {
  const [wal] = walCheckpointState.parse(connection.pragma('wal_checkpoint(NOOP)'));
  return wal.log - wal.checkpointed;
}

/** Moves what it can of the WAL into the database file without waiting for readers or writers. */
export function checkpointPassive(connection: PragmaConnection): WalCheckpointState {
  const [done] = walCheckpointState.parse(connection.pragma('wal_checkpoint(PASSIVE)'));
  return done;
}
