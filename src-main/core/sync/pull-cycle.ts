import { entityNameSchema } from '../../../src-shared/domain/entity-registry';
import { conflictPolicyFor } from '../../../src-shared/domain/conflict-policies';
import { maxPullPageSize, type ResetReason } from '../../../src-shared/protocol/pull';
import { pulledData, type PulledChange } from '../../../src-shared/protocol/pull-lines';
import type { ServerInfo } from '../../../src-shared/protocol/server-info';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { rebase } from '../../../src-shared/sync/rebase';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { recordKey } from '../../../src-shared/domain/ids';
import { basesFor } from '../store/record-bases';
import type { AuthSession } from '../auth/auth-session';
import { letRequestLeave, type SyncApi } from './sync-api';
import { applyPlainChanges } from './pulled-records';
import { conflictRow } from '../conflicts/conflict-rows';
import { opsFor, pendingValues } from '../outbox/outbox-rows';
import { removeLocally } from '../local-data/record-removal';
import { settleRecord } from './record-settlement';
import { readSyncState, writeSyncState } from './sync-state';
import { dropServerData } from '../local-data/local-data-cleanup';
import { handOverIfSafe } from './refused-changes';
import { hasUnsentWork, recordsWithUnsentWork } from '../local-data/unsent-work';
import { finishResync, noteResyncPage } from './selection-resync';

/** The largest page the server serves: each page is one commit, and fewer commits rewrite fewer index pages. */
export const defaultPageSize = maxPullPageSize;

/**
 * The first page of a full sync: small, so the device writes (and lists) its first records while the
 * server prepares the next, full-size page, instead of waiting idle for a full one: the first records
 * appear several times sooner, and the whole sync takes as long as before.
 */
export const firstFullSyncPageSize = 1000;

export interface PullContext {
  db: ClientDb;
  api: SyncApi;
  auth: AuthSession;
  clock: Clock;
  pageSize: number;
  narrowing: () => { sites: readonly string[]; workOrders: readonly string[] };
}

export interface PullOutcome {
  pulled: number;
  pages: number;
  bytesReceived: number;
  conflicts: Record<string, number>;
  resets: number;
  /** A resync after a change of what is kept offline ended in this pull (selection-resync.ts). */
  selectionResynced: boolean;
  /** The server was restored from a backup older than what this device saw: its acknowledged changes go out again (acknowledged-journal.ts). */
  historyDiverged: boolean;
}

/**
 * Pulls pages until the server has no more, applying each in one transaction together with its
 * cursor, so a crash between pages resumes where it stopped and never applies a page twice.
 */
/** `onPage`: records pulled so far, and how many the pull holds where the server said (a snapshot), else as many as pulled. */
export async function pullAll(ctx: PullContext, onPage: (pulled: number, total: number) => void): Promise<PullOutcome> {
  const outcome: PullOutcome = { pulled: 0, pages: 0, bytesReceived: 0, conflicts: {}, resets: 0, selectionResynced: false, historyDiverged: false };
  let expected = 0;
  const fetchPage = (cursor: string | null) => {
    const narrowing = ctx.narrowing();
    const limit = cursor === null ? Math.min(firstFullSyncPageSize, ctx.pageSize) : ctx.pageSize;
    const request = ctx.auth.authorized((token) => ctx.api.pull(token, { cursor, limit, sites: narrowing.sites, workOrders: narrowing.workOrders }));
    // Awaited below; a prefetch abandoned because its predecessor failed must not go unhandled.
    request.catch(() => undefined);
    return request;
  };
  let cursor = await readSyncState(ctx.db, 'cursor');
  let next = fetchPage(cursor);
  for (;;) {
    const received = await next;
    const page = received.read();
    outcome.pages++;
    outcome.bytesReceived += received.bytesReceived;
    const identityReset = await checkServerIdentity(ctx, page.server);
    if (page.reset || identityReset) {
      outcome.resets++;
      if (page.resetReason === 'history-diverged' || identityReset === 'history-diverged') outcome.historyDiverged = true;
      await ctx.db.transaction().execute((trx) =>
        dropServerData(
          trx,
          ctx.clock,
          'The server was replaced or restored from a backup, or this device was away longer than the server keeps history: it downloads everything again. Your unsynced changes are kept.',
        ),
      );
      if (outcome.resets > 3) throw new Error('the server keeps asking for a reset');
      cursor = await readSyncState(ctx.db, 'cursor');
      next = fetchPage(cursor);
      continue;
    }
    // Pages of a full sync (it started with no cursor) hold records new here.
    const fullSync = cursor === null;
    // The next page travels while this one is written, so the server and the client work side by
    // side. It is applied only after this page's transaction (and its cursor) committed. The
    // transaction holds the thread from start to commit, so the request is given one turn of the
    // event loop to leave first; without it the server started on the next page only after the
    // commit (100k first sync: median 9.0k → 10.8k records/s in 4 runs each).
    if (page.hasMore) {
      next = fetchPage(page.cursor);
      await letRequestLeave();
    }
    await ctx.db.transaction().execute(async (trx) => {
      const nowIso = isoAt(ctx.clock);
      // Records holding work found only here (queued changes, open conflicts, photos not yet
      // uploaded) need the careful path; the rest (nearly all of a first sync) are written in batches.
      const busy = await recordsWithUnsentWork(trx);
      const [careful, plain] = partition(page.changes, (c) => busy.has(recordKey(c.entity, c.id)));
      await applyPlainChanges(trx, plain, nowIso, { fullSync });
      for (const change of careful) {
        const kind = await applyPulledChange(trx, change, nowIso);
        if (kind) outcome.conflicts[kind] = (outcome.conflicts[kind] ?? 0) + 1;
      }
      await noteResyncPage(trx, page.changes);
      if (!page.hasMore && (await finishResync(trx, ctx.clock)) !== null) outcome.selectionResynced = true;
      await writeSyncState(trx, 'cursor', page.cursor);
      await writeSyncState(trx, 'server_id', page.server.id);
      await writeSyncState(trx, 'server_head', String(page.server.head));
      await writeSyncState(trx, 'server_features', JSON.stringify(page.server.features ?? []));
    });
    outcome.pulled += page.changes.length;
    if (page.total !== undefined) expected = outcome.pulled - page.changes.length + page.total;
    onPage(outcome.pulled, Math.max(expected, outcome.pulled));
    if (!page.hasMore) return outcome;
  }
}

/** A different server at the same URL, or the same one restored from an older backup (its head went back). */
async function checkServerIdentity(ctx: PullContext, server: ServerInfo): Promise<ResetReason | null> {
  const knownId = await readSyncState(ctx.db, 'server_id');
  const knownHead = Number((await readSyncState(ctx.db, 'server_head')) ?? '0');
  if (knownId === null) return null;
  if (knownId !== server.id) return 'other-server';
  return server.head < knownHead ? 'history-diverged' : null;
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

/** One pulled change to a record with queued changes or an open conflict (the careful path); returns the conflict kind it raised, if any. */
export async function applyPulledChange(trx: ClientTrx, change: PulledChange, nowIso: string): Promise<string | null> {
  const entity = change.entity;
  const row = await trx.selectFrom('records').select(['version', 'data']).where('entity', '=', entity).where('id', '=', change.id).executeTakeFirst();
  const ops = row ? await opsFor(trx, entity, change.id) : [];
  if (change.op === 'remove') {
    // Left this device's scope. It goes once nothing of the technician's is only here; queued
    // changes still go out first, and the server keeps what it refuses (refused-changes.ts).
    if (ops.length === 0 && !(await hasUnsentWork(trx, entity, change.id))) await removeLocally(trx, entity, change.id);
    else if (ops.length > 0) await handOverIfSafe(trx, entity, change.id, 'It is no longer yours on this laptop; your refused changes are with the site’s supervisors', nowIso);
    return null;
  }
  if (change.op === 'delete') {
    // Deleted on the server: it goes, unless the technician's work on it is only here (queued
    // changes, a photo not uploaded), which makes it a conflict a person decides.
    if ((ops.length === 0 && !(await hasUnsentWork(trx, entity, change.id))) || ops.some((op) => op.kind === 'delete')) {
      await removeLocally(trx, entity, change.id);
      return null;
    }
    const pending = pendingValues(ops);
    const bases = await basesFor(trx, entity, change.id);
    const fields = Object.entries(pending).map(([field, local]) => ({
      field,
      base: bases[field] ?? null,
      local,
      server: null,
      policy: 'manual' as const,
      outcome: 'manual' as const,
      value: null,
    }));
    await trx.insertInto('conflicts').values(conflictRow(entity, change.id, 'update-delete', fields, 'open', 'pull', null, nowIso)).execute();
    await trx.updateTable('outbox').set({ state: 'conflict' }).where('entity', '=', entity).where('record_id', '=', change.id).where('state', '!=', 'in-flight').execute();
    await trx.updateTable('records').set({ sync_state: 'conflict' }).where('entity', '=', entity).where('id', '=', change.id).execute();
    return 'update-delete';
  }
  const server = pulledData(change) ?? {};
  if (!row || ops.length === 0) {
    if (row && row.version > change.version) return null;
    await settleRecord(trx, entityNameSchema.parse(entity), change.id, server, change.version, nowIso);
    return null;
  }
  // Pending local changes: rebase them on the server's record (docs/architecture.md, Conflicts).
  const local = parseData(row.data);
  const result = rebase({
    local,
    server,
    pending: pendingValues(ops),
    bases: await basesFor(trx, entity, change.id),
    conflictPolicyOf: (field) => conflictPolicyFor(entity, field),
    localTime: ops.reduce((latest, op) => (op.client_time > latest ? op.client_time : latest), ''),
    serverTime: typeof server.updatedAt === 'string' ? server.updatedAt : nowIso,
  });
  for (const op of ops) {
    if (op.state === 'in-flight' || op.kind === 'delete') continue;
    const values = parseData(op.field_values);
    const kept = Object.fromEntries(Object.entries(values).filter(([field]) => op.kind === 'create' || field in result.pending).map(([f, v]) => [f, result.pending[f] ?? v]));
    if (op.kind === 'update' && Object.keys(kept).length === 0 && !op.resolves) await trx.deleteFrom('outbox').where('op_id', '=', op.op_id).execute();
    else await trx.updateTable('outbox').set({ field_values: JSON.stringify(kept) }).where('op_id', '=', op.op_id).execute();
  }
  const auto = result.conflicts.filter((c) => c.outcome !== 'manual');
  if (auto.length > 0) await trx.insertInto('conflicts').values(conflictRow(entity, change.id, 'update-update', auto, 'auto-resolved', 'pull', null, nowIso)).execute();
  await settleRecord(trx, entityNameSchema.parse(entity), change.id, server, change.version, nowIso, { view: result.record, bases: result.bases });
  return auto.length > 0 ? 'update-update' : null;
}
