import { sql, type Kysely, type Transaction } from 'kysely';
import { idsByEntity, idsPerStatement, inChunks, rowsPerInsert } from '../../src-shared/sqlite/statement-chunks';
import type { EntityName } from '../../src-shared/domain/entity-registry';
import { asciiJson, jsonEqual } from '../../src-shared/domain/json';
import type { ChangesTable, ConflictsTable, DialectName, RecordsTable, ServerDatabase } from '../db/schema';
import { scopeColumnsOf, stateFromRow, type RecordState, type ScopeColumns } from './record-state';

export interface RecordKey {
  entity: EntityName;
  id: string;
}
const keyOf = (entity: string, id: string) => `${entity}\u0000${id}`;

export interface CommitResult {
  head: number;
  changes: ChangesTable[];
  /** Human numbers given to work orders created in this unit, by id. */
  workOrderNumbers: Map<string, string>;
}

export function formatWorkOrderNumber(n: number): string {
  return `WO-${String(n).padStart(6, '0')}`;
}

/**
 * Loads the records a batch touches, lets the sync code change them in memory, and writes the
 * result at the tail of the transaction: rows, change-log entries, conflicts and op results. The
 * change_head row is updated last, so its lock is held only for the final writes.
 */
export class RecordUnitOfWork {
  private readonly original = new Map<string, RecordState | null>();
  private readonly current = new Map<string, RecordState | null>();
  private readonly conflictRows: ConflictsTable[] = [];
  private readonly appliedOps: { opId: string; deviceId: string; userId: string; result: () => unknown }[] = [];

  constructor(
    readonly trx: Transaction<ServerDatabase>,
    private readonly dialect: DialectName,
  ) {}

  /** Loads (and on PostgreSQL row-locks, in key order so batches cannot deadlock) what is not loaded yet. */
  async load(keys: readonly RecordKey[]): Promise<void> {
    const missing = [...new Map(keys.map((k) => [keyOf(k.entity, k.id), k])).values()]
      .filter((k) => !this.original.has(keyOf(k.entity, k.id)))
      .sort((a, b) => (keyOf(a.entity, a.id) < keyOf(b.entity, b.id) ? -1 : 1));
    for (const [entity, ids] of idsByEntity(missing)) {
      for (const chunk of inChunks(ids, idsPerStatement)) {
        const rows = await this.trx
          .selectFrom('records')
          .selectAll()
          .where('entity', '=', entity)
          .where('id', 'in', chunk)
          .orderBy('id')
          .$if(this.dialect === 'postgres', (q) => q.forUpdate())
          .execute();
        for (const id of chunk) this.remember(entity, id, null);
        for (const row of rows) this.remember(entity, row.id, stateFromRow(row, entity));
      }
    }
  }

  private remember(entity: string, id: string, state: RecordState | null) {
    this.original.set(keyOf(entity, id), state);
    this.current.set(keyOf(entity, id), state);
  }

  get(entity: EntityName, id: string): RecordState | null {
    const key = keyOf(entity, id);
    if (!this.current.has(key)) throw new Error(`record ${entity}/${id} used before it was loaded`);
    return this.current.get(key) ?? null;
  }

  put(state: RecordState): void {
    this.current.set(keyOf(state.entity, state.id), state);
  }

  /** A live record with the same natural key (create-create detection), in this unit or the database. */
  async findByNaturalKey(entity: EntityName, naturalKey: string, excludeId: string): Promise<RecordState | null> {
    for (const state of this.current.values()) {
      if (state && state.entity === entity && state.id !== excludeId && !state.deleted) {
        const parent = this.parentOf(state);
        if (scopeColumnsOf(state, parent).natural_key === naturalKey && isOpen(state)) return state;
      }
    }
    const rows = await this.trx
      .selectFrom('records')
      .select(['id'])
      .where('entity', '=', entity)
      .where('natural_key', '=', naturalKey)
      .where('deleted', '=', 0)
      .where('id', '!=', excludeId)
      .where((eb) => eb.or([eb('status', 'is', null), eb('status', 'not in', ['completed', 'closed', 'cancelled'])]))
      .orderBy('created_at')
      .limit(1)
      .execute();
    const first = rows[0];
    if (!first) return null;
    await this.load([{ entity, id: first.id }]);
    return this.get(entity, first.id);
  }

  addConflict(row: ConflictsTable): void {
    this.conflictRows.push(row);
  }

  /** The result is serialised at commit, after work-order numbers are known. */
  addAppliedOp(opId: string, deviceId: string, userId: string, result: () => unknown): void {
    this.appliedOps.push({ opId, deviceId, userId, result });
  }

  private parentOf(state: RecordState): RecordState | null {
    if (state.entity !== 'attachment' || typeof state.data.workOrderId !== 'string') return null;
    return this.current.get(keyOf('workOrder', state.data.workOrderId)) ?? null;
  }

  private dirty(): RecordState[] {
    const out: RecordState[] = [];
    for (const [key, state] of this.current) {
      const before = this.original.get(key) ?? null;
      if (!state) continue;
      if (!before || before.version !== state.version || before.deleted !== state.deleted || !jsonEqual(before.data, state.data)) {
        out.push(state);
      }
    }
    return out;
  }

  async commit(nowIso: string, beforeWrite: (numbers: Map<string, string>) => void): Promise<CommitResult> {
    const dirty = this.dirty();
    const unnumbered = dirty.filter((s) => s.entity === 'workOrder' && !s.deleted && s.data.number === null);
    const workOrderNumbers = new Map<string, string>();
    let head: number;
    const changes: ChangesTable[] = [];
    if (dirty.length > 0) {
      // The tail: from here to commit this transaction holds the change_head row lock.
      const allocated = await this.trx
        .updateTable('change_head')
        .set((eb) => ({ seq: eb('seq', '+', dirty.length), work_order_number: eb('work_order_number', '+', unnumbered.length) }))
        .where('id', '=', 1)
        .returning(['seq', 'work_order_number'])
        .executeTakeFirstOrThrow();
      head = allocated.seq;
      unnumbered.forEach((state, i) => {
        const number = formatWorkOrderNumber(allocated.work_order_number - unnumbered.length + 1 + i);
        state.data = { ...state.data, number };
        workOrderNumbers.set(state.id, number);
      });
      const rows: RecordsTable[] = [];
      const keptScope: RecordsTable[] = [];
      dirty.forEach((state, i) => {
        const columns = scopeColumnsOf(state, this.parentOf(state));
        const before = this.original.get(keyOf(state.entity, state.id)) ?? null;
        const prev = before ? scopeColumnsOf(before, this.parentOf(before)) : null;
        (prev && sameScope(prev, columns) ? keptScope : rows).push({
          entity: state.entity,
          id: state.id,
          version: state.version,
          // In ASCII, as pull answers splice it: a device decodes an all-ASCII page ~5× faster.
          data: asciiJson(state.data),
          deleted: state.deleted ? 1 : 0,
          ...columns,
          created_at: state.createdAt,
          updated_at: state.updatedAt,
        });
        changes.push({
          seq: head - dirty.length + 1 + i,
          entity: state.entity,
          record_id: state.id,
          op: state.deleted ? 'delete' : 'upsert',
          version: state.version,
          site_id: columns.site_id,
          assigned_to: columns.assigned_to,
          created_by: columns.created_by,
          prev_site_id: prev?.site_id ?? null,
          prev_assigned_to: prev?.assigned_to ?? null,
          committed_at: nowIso,
        });
      });
      beforeWrite(workOrderNumbers);
      // A record whose scope columns stay (a note, a measurement, a tag) is updated without
      // assigning them: SQLite rewrites an assigned column's index entries even to the same value,
      // six indexes here, each entry on a page of its own that the commit then writes.
      // The casts: PostgreSQL reads the parameters of a VALUES list as text.
      for (const chunk of inChunks(keptScope, rowsPerInsert)) {
        const values = sql.join(chunk.map((r) => sql`(${r.entity}, ${r.id}, cast(${r.version} as integer), ${r.data}, cast(${r.deleted} as integer), ${r.updated_at})`));
        await sql`with kept(entity, id, version, data, deleted, updated_at) as (values ${values})
          update records set version = kept.version, data = kept.data, deleted = kept.deleted, updated_at = kept.updated_at
          from kept where records.entity = kept.entity and records.id = kept.id`.execute(this.trx);
      }
      for (const chunk of inChunks(rows, 200)) {
        await this.trx
          .insertInto('records')
          .values(chunk)
          .onConflict((oc) =>
            oc.columns(['entity', 'id']).doUpdateSet((eb) => ({
              version: eb.ref('excluded.version'),
              data: eb.ref('excluded.data'),
              deleted: eb.ref('excluded.deleted'),
              site_id: eb.ref('excluded.site_id'),
              assigned_to: eb.ref('excluded.assigned_to'),
              created_by: eb.ref('excluded.created_by'),
              status: eb.ref('excluded.status'),
              asset_id: eb.ref('excluded.asset_id'),
              work_order_id: eb.ref('excluded.work_order_id'),
              natural_key: eb.ref('excluded.natural_key'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      for (const chunk of inChunks(changes, rowsPerInsert)) await this.trx.insertInto('changes').values(chunk).execute();
    } else {
      beforeWrite(workOrderNumbers);
      head = (await this.trx.selectFrom('change_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow()).seq;
    }
    for (const chunk of inChunks(this.conflictRows, 200)) await this.trx.insertInto('conflicts').values(chunk).execute();
    const opRows = this.appliedOps.map((op) => ({
      op_id: op.opId,
      device_id: op.deviceId,
      user_id: op.userId,
      result: JSON.stringify(op.result()),
      created_at: nowIso,
    }));
    for (const chunk of inChunks(opRows, rowsPerInsert)) await this.trx.insertInto('applied_ops').values(chunk).execute();
    return { head, changes, workOrderNumbers };
  }
}

const scopeColumnNames = ['site_id', 'assigned_to', 'created_by', 'status', 'asset_id', 'work_order_id', 'natural_key'] as const satisfies readonly (keyof ScopeColumns)[];

function sameScope(a: ScopeColumns, b: ScopeColumns): boolean {
  return scopeColumnNames.every((column) => a[column] === b[column]);
}

function isOpen(state: RecordState): boolean {
  const status = state.data.status;
  return status !== 'completed' && status !== 'closed' && status !== 'cancelled';
}

export async function readHead(db: Kysely<ServerDatabase>): Promise<number> {
  const row = await db.selectFrom('change_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return row.seq;
}

/** PostgreSQL errors worth retrying the whole transaction for: serialization, deadlock, a racing insert. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return code === '40001' || code === '40P01' || code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

