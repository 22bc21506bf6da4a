import { CompiledQuery } from 'kysely';
import { pushOpSchema, type PushOp, type PushResult } from '../../../src-shared/protocol/push';
import { inChunks, rowsPerInsert } from '../../../src-shared/sqlite/statement-chunks';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import type { AuthSession } from '../auth/auth-session';
import { addNotice } from '../notices/notices';
import { conflictRow } from '../conflicts/conflict-rows';
import type { SyncApi } from './sync-api';
import { readSyncState } from './sync-state';

/**
 * docs/keeping-work-safe.md: the changes the server acknowledged are journaled on the device, so a server
 * restored from a backup that predates them gets them again. Kept for the server's retention window
 * (30 days by default: a device away longer resyncs in full anyway) and at most `maxJournaledOps`,
 * in the encrypted store like everything else.
 */
export const journalDays = 30;
export const maxJournaledOps = 20_000;

const journalInsertText = new Map<number, string>();
function journalInsert(count: number): string {
  let text = journalInsertText.get(count);
  if (text === undefined) {
    text = `insert into acknowledged_ops (op_id, acknowledged_at, wire) values ${Array.from({ length: count }, () => '(?, ?, ?)').join(', ')}`;
    journalInsertText.set(count, text);
  }
  return text;
}

/** In the settling transaction: every op of the batch the server took (applied, in conflict, or seen before), as it was sent. */
export async function journalAcknowledged(trx: ClientTrx, wire: readonly PushOp[], answers: readonly PushResult[], nowIso: string): Promise<void> {
  const taken = new Set(answers.filter((a) => a.status !== 'rejected' && a.replayOf !== 'rejected').map((a) => a.opId));
  const rows = wire.filter((op) => taken.has(op.opId));
  for (const chunk of inChunks(rows, rowsPerInsert)) {
    await trx.executeQuery(CompiledQuery.raw(journalInsert(chunk.length), chunk.flatMap((op) => [op.opId, nowIso, JSON.stringify(op)])));
  }
}

/** Drops what is older than the window, then the oldest beyond the count; reads only the oldest rows. */
export async function pruneJournal(db: ClientDb, clock: Clock): Promise<void> {
  const cutoff = new Date(clock.now() - journalDays * 24 * 3600 * 1000).toISOString();
  for (;;) {
    const oldest = await db.selectFrom('acknowledged_ops').select(['seq', 'acknowledged_at']).orderBy('seq').limit(500).execute();
    const expired = oldest.filter((row) => row.acknowledged_at < cutoff);
    if (expired.length === 0) break;
    await db.deleteFrom('acknowledged_ops').where('seq', '<=', expired[expired.length - 1]?.seq ?? 0).execute();
    if (expired.length < oldest.length) break;
  }
  // Rows are numbered in order and only ever dropped from the oldest end: the newest number tells the count.
  const newest = await db.selectFrom('acknowledged_ops').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  const beyond = Number(newest?.seq ?? 0) - maxJournaledOps;
  if (beyond > 0) await db.deleteFrom('acknowledged_ops').where('seq', '<=', beyond).execute();
}

export interface ReplayContext {
  db: ClientDb;
  api: SyncApi;
  auth: AuthSession;
  clock: Clock;
  deviceId: string;
  maxOps: number;
  maxBytes: number;
}

export interface ReplayOutcome {
  /** Applied again: the restore had lost them. */
  resent: number;
  /** The server still had them (its op ledger answered). */
  alreadyThere: number;
  /** Sent again and met a newer change: a conflict, decided by policy or waiting for a person. */
  conflicts: number;
  /** Sent again and refused: kept by the server for the supervisors. */
  refused: number;
}

/**
 * After the pull that took in a restored server's data: every journaled change goes out again with
 * its own op id, oldest first. The server's op ledger answers the ones it still holds as seen
 * before and changes nothing; the ones the restore lost are applied through the normal rules, so a
 * change someone made since the restore meets them as a conflict, never silently overwritten.
 */
export async function replayJournal(ctx: ReplayContext): Promise<ReplayOutcome> {
  const outcome: ReplayOutcome = { resent: 0, alreadyThere: 0, conflicts: 0, refused: 0 };
  let after = 0;
  for (;;) {
    const rows = await ctx.db.selectFrom('acknowledged_ops').select(['seq', 'wire']).where('seq', '>', after).orderBy('seq').limit(ctx.maxOps).execute();
    if (rows.length === 0) break;
    const ops: PushOp[] = [];
    let bytes = 0;
    for (const row of rows) {
      if (ops.length > 0 && bytes + row.wire.length > ctx.maxBytes) break;
      const op = pushOpSchema.safeParse(JSON.parse(row.wire));
      after = row.seq;
      bytes += row.wire.length;
      if (op.success) ops.push(op.data);
    }
    if (ops.length === 0) continue;
    const cursor = (await readSyncState(ctx.db, 'cursor')) ?? undefined;
    const answer = await ctx.auth.authorized((token) => ctx.api.push(token, { deviceId: ctx.deviceId, answers: 'records', ops, ...(cursor ? { cursor } : {}) }));
    await ctx.db.transaction().execute(async (trx) => {
      const nowIso = isoAt(ctx.clock);
      for (const result of answer.body.results) {
        const op = ops.find((o) => o.opId === result.opId);
        if (!op) continue;
        if (result.status === 'duplicate') outcome.alreadyThere++;
        else if (result.status === 'rejected') outcome.refused++;
        else {
          outcome.resent++;
          if (result.conflict) {
            outcome.conflicts++;
            const status = result.conflict.status === 'open' ? 'open' : 'auto-resolved';
            await trx.insertInto('conflicts').values(conflictRow(op.entity, result.survivorId ?? op.id, result.conflict.kind, result.conflict.fields, status, 'push', result.conflict.id, nowIso)).execute();
          }
        }
      }
    });
  }
  await ctx.db.transaction().execute(async (trx) => {
    const parts = [`${outcome.resent} change(s) it had lost were sent again from this laptop`, `${outcome.alreadyThere} were still there`];
    if (outcome.conflicts > 0) parts.push(`${outcome.conflicts} met a newer change (see Conflicts)`);
    if (outcome.refused > 0) parts.push(`${outcome.refused} were refused and went to the site’s supervisors`);
    await addNotice(trx, `The server was restored from a backup: ${parts.join('; ')}.`, null, null, isoAt(ctx.clock));
  });
  return outcome;
}
