import type { ResetReason } from '../../src-shared/protocol/pull';
import type { ServerDb } from '../db/schema';
import { decodeCursor, type PullCursor } from './cursor';
import { readLogFloor } from './log-retention';

/** What identifies the change at `seq` in this server's history. */
export async function tipAt(db: ServerDb, seq: number): Promise<string | undefined> {
  if (seq === 0) return undefined;
  const row = await db.selectFrom('changes').select(['record_id', 'version', 'committed_at']).where('seq', '=', seq).executeTakeFirst();
  return row ? `${row.record_id}/${row.version}@${row.committed_at}` : undefined;
}

/**
 * Whether a device's cursor still lies in this server's history (docs/protocol.md, Restores):
 * history-diverged when the server no longer has what the device saw (restored from a backup: its
 * head is behind the cursor, or the change at the cursor is another one); other-server when the
 * cursor is another database's (or unreadable); expired when the log was pruned past it. Null
 * when the device can go on from it.
 */
export async function historyStanding(db: ServerDb, serverId: string, head: number, text: string): Promise<{ cursor: PullCursor; reset: null } | { cursor: null; reset: ResetReason }> {
  const cursor = decodeCursor(text);
  if (!cursor || cursor.db !== serverId) return { cursor: null, reset: 'other-server' };
  if (cursor.seq > head) return { cursor: null, reset: 'history-diverged' };
  const floor = await readLogFloor(db);
  if (cursor.seq > floor && cursor.tip !== undefined && cursor.tip !== (await tipAt(db, cursor.seq))) return { cursor: null, reset: 'history-diverged' };
  if (cursor.snap === undefined && cursor.seq < floor) return { cursor: null, reset: 'expired' };
  return { cursor, reset: null };
}
