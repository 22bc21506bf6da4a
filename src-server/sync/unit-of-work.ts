import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { idsByEntity, idsPerStatement, inChunks, rowsPerInsert } from '../../src-shared/sqlite/statement-chunks';
import type { EntityName } from '../../src-shared/domain/entity-registry';
import { asciiJson, jsonEqual, parsedJsonArraySchema } from '../../src-shared/domain/json';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import { insertRows } from '../db/row-inserts';
import { stockAfter, stockTaken } from '../../src-shared/domain/stock-taking';
import type { ChangesTable, ConflictsTable, DialectName, RecordHistoryTable, RecordsTable, ServerDatabase } from '../db/schema';
import { scopeColumnsOf, scopeFieldsOf, stateFromRow, type RecordState, type ScopeColumns } from './record-state';

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
  /** Where the conflicts recorded in this unit belong: whose desks and devices to tell. */
  conflicts: ConflictAudience[];
  /** How long taking the change_head row lock waited (0 when nothing changed): the serialisation point of every writer. */
  headLockWaitMs: number;
}

/** The site and the author of a conflict: its site's supervisors and its technician see it. */
export interface ConflictAudience {
  siteId: string | null;
  userId: string;
}

/** A record to edit in place, and the fields of its data the edit needs besides its scope fields. */
export interface FieldEditRequest extends RecordKey {
  entity: keyof typeof scopeFieldsOf;
  fields: readonly string[];
}

/**
 * A live record loaded for an edit in place: its columns and, of its data, only its scope fields
 * and the fields asked for. The rest of its data never leaves the database.
 */
interface FieldEdit {
  state: RecordState;
  columns: ScopeColumns;
  /** The fields the edit set, once made; `state` is then the record after it. */
  written: JsonRecord | null;
}

/**
 * The JSON path of a top-level field, for json_extract and json_set. The schemas' names are all
 * plain identifiers; anything else (a dot, a quote) would name another place, or end the SQL text
 * the path is written into.
 */
function fieldPath(field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`field ${JSON.stringify(field)} cannot be edited in place`);
  return `$.${field}`;
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
  private readonly fieldEdits = new Map<string, FieldEdit>();
  /**
   * Who this unit writes for: every version it makes is recorded in the record's history under
   * them (a device's user and device; a supervisor deciding; an admin). Null: the server itself.
   */
  author: { userId: string | null; deviceId: string | null } = { userId: null, deviceId: null };
  /** Quantity to take from each part's stock at commit, by part id (negative: given back). */
  private readonly stockToTake = new Map<string, number>();
  /** Parts whose new version is stock the server took, not anyone's edit. */
  private readonly stockParts = new Set<string>();

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
        const found = new Set<string>();
        for (const row of rows) {
          found.add(row.id);
          this.remember(entity, row.id, stateFromRow(row, entity));
        }
        for (const id of chunk) if (!found.has(id)) this.remember(entity, id, null);
      }
    }
  }

  /**
   * Edits in place are SQLite's: its JSON functions rewrite the stored text exactly as the whole
   * record's JSON.stringify would (in ASCII, keys in place, numbers as written). PostgreSQL has no
   * such function for text, so there every record is read and written whole.
   */
  get editsInPlace(): boolean {
    return this.dialect === 'sqlite';
  }

  /**
   * Loads records to edit in place: a whole work order parsed, merged and serialised again for an
   * edit of a field or two was a large share of the server's work on a big push (bench figure 3). Keys loaded already, and
   * records missing or deleted, are loaded whole instead, so afterwards every key is loaded one way.
   */
  async loadForFieldEdits(requests: readonly FieldEditRequest[]): Promise<void> {
    const wanted = requests.filter((r) => !this.original.has(keyOf(r.entity, r.id)) && !this.fieldEdits.has(keyOf(r.entity, r.id)));
    const whole: RecordKey[] = [];
    for (const [entity, ids] of idsByEntity(wanted)) {
      const fields = [...new Set([...scopeFieldsOf[entity], ...wanted.filter((r) => r.entity === entity).flatMap((r) => r.fields)])];
      // With more than one path json_extract parses the record once and gives a JSON array of the
      // values (a missing field's is null, as mergePatch reads it). The id comes first, so there are
      // always two paths: with one it would give the bare value.
      const picked = sql<string>`json_extract(data, '$.id', ${sql.join(fields.map(fieldPath))})`;
      for (const chunk of inChunks(ids, idsPerStatement)) {
        const rows = await this.trx
          .selectFrom('records')
          .select(['id', 'version', 'deleted', 'created_at', 'updated_at', ...scopeColumnNames])
          .select(picked.as('fields'))
          .where('entity', '=', entity)
          .where('id', 'in', chunk)
          .execute();
        const found = new Set<string>();
        for (const row of rows) {
          if (row.deleted !== 0) continue;
          found.add(row.id);
          const { site_id, assigned_to, created_by, status, asset_id, work_order_id, natural_key } = row;
          this.fieldEdits.set(keyOf(entity, row.id), {
            state: { entity, id: row.id, version: row.version, data: fieldsOf(row.id, fields, row.fields), deleted: false, createdAt: row.created_at, updatedAt: row.updated_at },
            columns: { site_id, assigned_to, created_by, status, asset_id, work_order_id, natural_key },
            written: null,
          });
        }
        whole.push(...chunk.filter((id) => !found.has(id)).map((id) => ({ entity, id })));
      }
    }
    await this.load(whole);
  }

  /** The record as loaded for an edit in place (scope fields and the fields asked for), while no edit has been made to it. */
  fieldEditOf(entity: EntityName, id: string): RecordState | null {
    const edit = this.fieldEdits.get(keyOf(entity, id));
    return edit && !edit.written ? edit.state : null;
  }

  /** Sets these fields of a record loaded by loadForFieldEdits, as the next version; written at commit. */
  editInPlace(entity: EntityName, id: string, fields: JsonRecord, updatedAt: string): void {
    const edit = this.fieldEdits.get(keyOf(entity, id));
    if (!edit || edit.written) throw new Error(`record ${entity}/${id} was not loaded for an edit in place`);
    if (entity === 'workOrder' && 'partsUsed' in fields) this.noteStockTaken(edit.state.data, fields);
    edit.written = fields;
    edit.state = { ...edit.state, data: { ...edit.state.data, ...fields }, version: edit.state.version + 1, updatedAt };
  }

  private remember(entity: string, id: string, state: RecordState | null) {
    const key = keyOf(entity, id);
    this.original.set(key, state);
    // A record edited in place and then needed whole (a later op, a natural-key match): from here
    // on it is an ordinary record, with the edit made on its whole data.
    const edit = this.fieldEdits.get(key);
    this.fieldEdits.delete(key);
    if (!edit?.written) {
      this.current.set(key, state);
    } else if (state) {
      this.current.set(key, { ...state, data: { ...state.data, ...edit.written }, version: edit.state.version, updatedAt: edit.state.updatedAt });
    } else {
      throw new Error(`record ${entity}/${id}, edited in place, is gone from this transaction`);
    }
  }

  get(entity: EntityName, id: string): RecordState | null {
    const key = keyOf(entity, id);
    if (!this.current.has(key)) throw new Error(`record ${entity}/${id} used before it was loaded`);
    return this.current.get(key) ?? null;
  }

  put(state: RecordState): void {
    const key = keyOf(state.entity, state.id);
    if (state.entity === 'workOrder') {
      const before = this.current.get(key) ?? null;
      this.noteStockTaken(before && !before.deleted ? before.data : null, state.deleted ? null : state.data);
    }
    this.current.set(key, state);
  }

  /** Parts a work order's change takes from stock (or gives back), taken from the parts' records at commit. */
  private noteStockTaken(before: JsonRecord | null, after: JsonRecord | null): void {
    for (const [partId, quantity] of stockTaken(before, after)) this.stockToTake.set(partId, (this.stockToTake.get(partId) ?? 0) + quantity);
  }

  /**
   * The server keeps stock (design: the server is the authority on stock): every part a work
   * order's write used is taken from that part's record here, in the same transaction, so devices
   * receive the new figure like any change. Below zero is kept and shown, never refused.
   */
  private async takeStock(nowIso: string): Promise<void> {
    const taken = [...this.stockToTake].filter(([, quantity]) => quantity !== 0);
    this.stockToTake.clear();
    if (taken.length === 0) return;
    await this.load(taken.map(([id]) => ({ entity: 'part', id })));
    for (const [id, quantity] of taken) {
      this.stockParts.add(id);
      const part = this.get('part', id);
      if (!part || part.deleted || typeof part.data.quantityAvailable !== 'number') continue;
      this.current.set(keyOf('part', id), {
        ...part,
        data: { ...part.data, quantityAvailable: stockAfter(part.data.quantityAvailable, quantity) },
        version: part.version + 1,
        updatedAt: nowIso,
      });
    }
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
    await this.takeStock(nowIso);
    const dirty = this.dirty();
    const edits = [...this.fieldEdits.values()].flatMap((edit) => (edit.written ? [{ ...edit, written: edit.written }] : []));
    const unnumbered = dirty.filter((s) => s.entity === 'workOrder' && !s.deleted && s.data.number === null);
    const workOrderNumbers = new Map<string, string>();
    let head: number;
    const changes: ChangesTable[] = [];
    const changed = dirty.length + edits.length;
    let headLockWaitMs = 0;
    if (changed > 0) {
      // The tail: from here to commit this transaction holds the change_head row lock.
      const asked = performance.now();
      const allocated = await this.trx
        .updateTable('change_head')
        .set((eb) => ({ seq: eb('seq', '+', changed), work_order_number: eb('work_order_number', '+', unnumbered.length) }))
        .where('id', '=', 1)
        .returning(['seq', 'work_order_number'])
        .executeTakeFirstOrThrow();
      headLockWaitMs = performance.now() - asked;
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
          seq: head - changed + 1 + i,
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
      edits.forEach(({ state, columns }, i) => {
        changes.push({
          seq: head - edits.length + 1 + i,
          entity: state.entity,
          record_id: state.id,
          op: 'upsert',
          version: state.version,
          site_id: columns.site_id,
          assigned_to: columns.assigned_to,
          created_by: columns.created_by,
          prev_site_id: columns.site_id,
          prev_assigned_to: columns.assigned_to,
          committed_at: nowIso,
        });
      });
      beforeWrite(workOrderNumbers);
      await this.writeHistory(nowIso, dirty, edits, changes);
      await this.writeFieldEdits(edits);
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
      await insertRows(this.trx, this.dialect, 'changes', changeColumns, changes);
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
    await insertRows(this.trx, this.dialect, 'applied_ops', ['op_id', 'device_id', 'user_id', 'result', 'created_at'], opRows);
    return { head, changes, workOrderNumbers, conflicts: this.conflictRows.map((row) => ({ siteId: row.site_id, userId: row.user_id })), headLockWaitMs };
  }

  /** A history line per new version: the fields it changed, and who changed them. Stock taken by the server is its own line. */
  private async writeHistory(nowIso: string, dirty: readonly RecordState[], edits: readonly (FieldEdit & { written: JsonRecord })[], changes: readonly ChangesTable[]): Promise<void> {
    const seqOf = new Map(changes.map((change) => [keyOf(change.entity, change.record_id), change.seq]));
    const seq = (state: RecordState) => seqOf.get(keyOf(state.entity, state.id)) ?? 0;
    const rows = [
      ...dirty.map((state) => {
        const before = this.original.get(keyOf(state.entity, state.id)) ?? null;
        const byServer = state.entity === 'part' && this.stockParts.has(state.id);
        const fields = changedFields(before, state);
        const values = state.deleted ? null : fields.includes('*') ? state.data : Object.fromEntries(fields.map((f) => [f, state.data[f] ?? null]));
        return historyRow(state, nowIso, byServer ? { userId: null, deviceId: null } : this.author, fields, seq(state), values);
      }),
      ...edits.map(({ state, written }) => historyRow(state, nowIso, this.author, Object.keys(written), seq(state), written)),
    ];
    await insertRows(this.trx, this.dialect, 'record_history', historyColumns, rows);
  }

  /**
   * The edits in place, one statement per chunk of records with the same fields set: json_set puts
   * each value (ASCII JSON, as asciiJson writes records) where the field was, or last if it was
   * not there, as the whole record's serialisation would.
   */
  private async writeFieldEdits(edits: readonly (FieldEdit & { written: JsonRecord })[]): Promise<void> {
    const byFields = new Map<string, (FieldEdit & { written: JsonRecord })[]>();
    for (const edit of edits) {
      const key = Object.keys(edit.written).join('\u0000');
      const group = byFields.get(key);
      if (group) group.push(edit);
      else byFields.set(key, [edit]);
    }
    for (const group of byFields.values()) {
      const fields = Object.keys(group[0]?.written ?? {});
      for (const chunk of inChunks(group, rowsPerInsert)) {
        const parameters = chunk.flatMap(({ state, written }) => [state.entity, state.id, state.version, state.updatedAt, ...fields.map((field) => asciiJson(written[field] ?? null))]);
        await this.trx.executeQuery(CompiledQuery.raw(fieldEditText(fields, chunk.length), parameters));
      }
    }
  }
}

/**
 * The UPDATE that sets these fields of `count` records in place (SQLite). Written here: Kysely's
 * sql template took longer to build and compile its 400 rows of values than SQLite took to run it.
 */
function fieldEditText(fields: readonly string[], count: number): string {
  const values = Array.from({ length: count }, () => `(?, ?, ?, ?${', ?'.repeat(fields.length)})`).join(', ');
  const valueColumns = fields.map((_, i) => `, v${i}`).join('');
  const setFields = fields.map((field, i) => `, '${fieldPath(field)}', json(kept.v${i})`).join('');
  return `with kept(entity, id, version, updated_at${valueColumns}) as (values ${values})
    update records set version = kept.version, updated_at = kept.updated_at, data = json_set(records.data${setFields})
    from kept where records.entity = kept.entity and records.id = kept.id`;
}

/** The fields as picked by json_extract's array of their values. */
function fieldsOf(id: string, fields: readonly string[], picked: string): JsonRecord {
  const [pickedId, ...values] = parsedJsonArraySchema.parse(JSON.parse(picked));
  if (pickedId !== id || values.length !== fields.length) throw new Error(`record ${id}: json_extract gave ${JSON.stringify(pickedId)} and ${values.length} values for ${fields.length} fields`);
  return Object.fromEntries(fields.map((field, i) => [field, values[i] ?? null]));
}

const historyColumns = ['entity', 'record_id', 'version', 'changed_at', 'user_id', 'device_id', 'fields', 'seq', 'field_values'] as const satisfies readonly (keyof RecordHistoryTable)[];

function historyRow(
  state: RecordState,
  nowIso: string,
  author: { userId: string | null; deviceId: string | null },
  fields: readonly string[],
  seq: number,
  values: JsonRecord | null,
): RecordHistoryTable {
  return {
    entity: state.entity,
    record_id: state.id,
    version: state.version,
    changed_at: nowIso,
    user_id: author.userId,
    device_id: author.deviceId,
    fields: JSON.stringify(fields),
    seq,
    field_values: values === null ? 'null' : asciiJson(values),
  };
}

/** The top-level fields one version changed; a create or a delete changes the whole record ("*"). */
function changedFields(before: RecordState | null, after: RecordState): string[] {
  if (!before || before.deleted !== after.deleted) return ['*'];
  const keys = new Set([...Object.keys(before.data), ...Object.keys(after.data)]);
  return [...keys].filter((key) => key !== 'updatedAt' && !jsonEqual(before.data[key], after.data[key]));
}

const changeColumns = ['seq', 'entity', 'record_id', 'op', 'version', 'site_id', 'assigned_to', 'created_by', 'prev_site_id', 'prev_assigned_to', 'committed_at'] as const satisfies readonly (keyof ChangesTable)[];

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

