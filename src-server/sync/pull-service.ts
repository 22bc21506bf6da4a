import { recordKey } from '../../src-shared/domain/ids';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import type { PullQuery } from '../../src-shared/protocol/pull';
import type { Clock } from '../../src-shared/sync/clock';
import type { ServerDb } from '../db/schema';
import { encodeCursor, type PullCursor } from './cursor';
import { historyStanding, tipAt } from './history-check';
import { changeRelevanceSql, inScopeNowSql, relevanceRules, type Narrowing, type Principal } from './scope';
import { readHead } from './unit-of-work';
import { describeServer } from './server-description';
import type { PulledRow, PullPage } from './pull-body';

/**
 * Pages a device through its scope (docs/architecture.md, The sync model). A first sync pages the records table in
 * (entity, id) order pinned to the log head at its start, then continues from the log; the log is
 * read only up to a head that was read first, and every seq ≤ head has committed (see
 * change_head), so no late commit is skipped. Records keep their stored JSON text: pull-body.ts
 * splices it into the answer, never parsed and re-serialised.
 */
export class PullService {
  constructor(private readonly deps: { db: ServerDb; clock: Clock; serverId: string }) {}

  async pull(principal: Principal, query: PullQuery): Promise<PullPage> {
    const { db, serverId } = this.deps;
    const head = await readHead(db);
    const narrowing: Narrowing = { sites: query.sites, workOrders: query.workOrders };
    const fresh: PullCursor = { v: 1, db: serverId, seq: head, tip: await tipAt(db, head), snap: { entity: '', id: '' } };
    if (query.cursor === undefined) return this.snapshotPage(principal, narrowing, fresh, query.limit, head);
    const { cursor, reset } = await historyStanding(db, serverId, head, query.cursor);
    if (!cursor) return { ...page([], encodeCursor(fresh), true, serverId, head, true), resetReason: reset };
    if (cursor.snap) return this.snapshotPage(principal, narrowing, cursor, query.limit, head);
    return this.logPage(principal, narrowing, cursor, query.limit, head);
  }

  private async snapshotPage(p: Principal, narrowing: Narrowing, cursor: PullCursor, limit: number, head: number): Promise<PullPage> {
    const after = cursor.snap ?? { entity: '', id: '' };
    const now = this.deps.clock.now();
    const rows = await this.deps.db
      .selectFrom('records as r')
      .select(['r.entity', 'r.id', 'r.version', 'r.data'])
      .where('r.deleted', '=', 0)
      .where((eb) => eb(eb.refTuple('r.entity', 'r.id'), '>', eb.tuple(after.entity, after.id)))
      .where(snapshotScope(p, inScopeNowSql(p, narrowing, 'r', now)))
      .orderBy('r.entity')
      .orderBy('r.id')
      .limit(limit + 1)
      .execute();
    const taken = rows.slice(0, limit);
    const last = taken[taken.length - 1];
    const more = rows.length > limit && last !== undefined;
    const next: PullCursor = more ? { ...cursor, snap: { entity: last.entity, id: last.id } } : { v: 1, db: cursor.db, seq: cursor.seq, ...(cursor.tip ? { tip: cursor.tip } : {}) };
    const changes = taken.map((r): PulledRow => ({ ...r, op: 'upsert' }));
    const answer = page(changes, encodeCursor(next), more || next.seq < head, this.deps.serverId, head, false);
    if (after.entity !== '' || !more) return answer;
    // The first page of a large snapshot says how large it is: one count, once per first sync.
    const counted = await this.deps.db
      .selectFrom('records as r')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('r.deleted', '=', 0)
      .where(inScopeNowSql(p, narrowing, 'r', now))
      .executeTakeFirstOrThrow();
    return { ...answer, total: Number(counted.n) };
  }

  private async logPage(p: Principal, narrowing: Narrowing, cursor: PullCursor, limit: number, head: number): Promise<PullPage> {
    const { db, clock, serverId } = this.deps;
    const rows = await db
      .selectFrom('changes as c')
      .innerJoin('records as r', (join) => join.onRef('r.entity', '=', 'c.entity').onRef('r.id', '=', 'c.record_id'))
      .select([
        'c.seq',
        'r.entity',
        'r.id',
        'r.version',
        'r.data',
        'r.deleted',
        'r.asset_id',
        'c.assigned_to',
        'c.prev_assigned_to',
        sql<number>`case when ${inScopeNowSql(p, narrowing, 'r', clock.now())} then 1 else 0 end`.as('in_scope'),
      ])
      .where('c.seq', '>', cursor.seq)
      .where('c.seq', '<=', head)
      // Filtered row by row inside the seq range: as a plain predicate SQLite would pick the
      // relevance ORs for index selection and walk every change of an entity, making an empty
      // delta pull on a large database many times slower (bench figure 2).
      .where(sql<SqlBool>`(case when ${changeRelevanceSql(relevanceRules(p), 'c')} then 1 else 0 end) = 1`)
      .orderBy('c.seq')
      .limit(limit + 1)
      .execute();
    const taken = rows.slice(0, limit);
    const more = rows.length > limit;
    const reached = more ? (taken[taken.length - 1]?.seq ?? cursor.seq) : head;
    // One entry per record: the data is the record's current state whichever change row named it.
    const byRecord = new Map<string, PulledRow>();
    const arrivals: string[] = [];
    for (const row of taken) {
      const op = row.deleted === 1 ? 'delete' : row.in_scope === 1 ? 'upsert' : 'remove';
      byRecord.set(recordKey(row.entity, row.id), { entity: row.entity, id: row.id, version: row.version, data: row.data, op });
      // A work order that just came to this user brings its asset and attachments, which did not change.
      if (op === 'upsert' && row.entity === 'workOrder' && row.assigned_to !== row.prev_assigned_to) arrivals.push(row.id);
    }
    const companions = await this.companionsOf(p, narrowing, arrivals, byRecord);
    const changes = [...companions, ...byRecord.values()];
    const tip = await tipAt(this.deps.db, reached);
    return page(changes, encodeCursor({ v: 1, db: serverId, seq: reached, ...(tip ? { tip } : {}) }), more, serverId, head, false);
  }

  private async companionsOf(
    p: Principal,
    narrowing: Narrowing,
    workOrderIds: readonly string[],
    already: ReadonlyMap<string, PulledRow>,
  ): Promise<PulledRow[]> {
    if (workOrderIds.length === 0) return [];
    const rows = await this.deps.db
      .selectFrom('records as r')
      .select(['r.entity', 'r.id', 'r.version', 'r.data'])
      .where('r.deleted', '=', 0)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('r.entity', '=', 'asset'),
            eb('r.id', 'in', eb.selectFrom('records as w').select('w.asset_id').where('w.entity', '=', 'workOrder').where('w.id', 'in', [...workOrderIds])),
          ]),
          eb.and([eb('r.entity', '=', 'attachment'), eb('r.work_order_id', 'in', [...workOrderIds])]),
        ]),
      )
      .where(inScopeNowSql(p, narrowing, 'r', this.deps.clock.now()))
      .execute();
    return rows.filter((r) => !already.has(recordKey(r.entity, r.id))).map((r) => ({ ...r, op: 'upsert' }));
  }
}

function page(changes: readonly PulledRow[], cursor: string, hasMore: boolean, serverId: string, head: number, reset: boolean): PullPage {
  return { changes, cursor, hasMore, reset, server: describeServer(serverId, head) };
}

/**
 * A supervisor's scope is most of the database: walking the primary key in order and stopping at
 * the page's limit beats collecting every row in scope through the site index and sorting them,
 * which the planner would otherwise do for each page (quadratic over a first sync). Wrapping the
 * predicate in CASE keeps it out of index selection on SQLite and PostgreSQL alike. A
 * technician's scope is a few hundred rows: the indexes find them best.
 */
function snapshotScope(p: Principal, scope: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  if (!overseesSites(p.user.role)) return scope;
  return sql<SqlBool>`(case when ${scope} then 1 else 0 end) = 1`;
}
