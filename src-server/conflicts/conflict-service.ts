import type { Kysely } from 'kysely';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import type { z } from 'zod';
import type { ServerDatabase } from '../db/schema';
import { entityNameSchema, entitySchemas } from '../../src-shared/domain/entity-registry';
import type { Json } from '../../src-shared/domain/json';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import type { conflictListQuerySchema, Conflict, ResolveConflictRequest } from '../../src-shared/protocol/conflicts';
import { FieldlineError, validationError } from '../../src-shared/protocol/errors';
import { isoAt } from '../../src-shared/sync/clock';
import type { SyncServiceDeps } from '../sync/push-service';
import type { Principal } from '../sync/scope';
import { RecordUnitOfWork } from '../sync/unit-of-work';
import { conflictFromRow } from './conflict-record';
import { mayDecideRefusal } from './refusal';
import { userSchema } from '../../src-shared/domain/entities';
import { canWrite } from '../sync/write-access';
import type { RecordState } from '../sync/record-state';

/**
 * People's display names by user id: a device may not hold the profile of whoever decided. Takes
 * the caller's transaction where there is one (SQLite has a single connection).
 */
async function namesOf(db: Kysely<ServerDatabase>, userIds: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return names;
  const rows = await db.selectFrom('records').select(['id', 'data']).where('entity', '=', 'user').where('id', 'in', ids).execute();
  for (const row of rows) {
    const user = userSchema.safeParse(JSON.parse(row.data));
    if (user.success) names.set(row.id, user.data.displayName);
  }
  return names;
}

/** Whether a decision touches what write access is read from (an attachment's follows its work order, which it does not move). */
function changesAccess(entity: string, current: RecordState, data: JsonRecord, deleted: boolean): boolean {
  if (deleted || entity === 'attachment') return false;
  return current.data.siteId !== data.siteId || current.data.assignedTo !== data.assignedTo || current.version === 0;
}

type ConflictListQuery = z.infer<typeof conflictListQuerySchema>;

/** The server's conflict log: supervisors triage their sites' conflicts; a technician sees their own. */
export class ConflictService {
  constructor(private readonly deps: SyncServiceDeps) {}

  async list({ user }: Principal, query: ConflictListQuery): Promise<Conflict[]> {
    if (query.siteId && !user.siteIds.includes(query.siteId)) {
      throw new FieldlineError('PERMISSION_DENIED', `You do not work at site ${query.siteId}`);
    }
    const rows = await this.deps.db
      .selectFrom('conflicts')
      .selectAll()
      .$if(overseesSites(user.role), (q) => q.where('site_id', 'in', query.siteId ? [query.siteId] : user.siteIds))
      .$if(user.role === 'technician', (q) => q.where('user_id', '=', user.id))
      .$if(user.role === 'technician' && query.siteId !== undefined, (q) => q.where('site_id', '=', query.siteId ?? ''))
      .$if(query.status !== undefined, (q) => q.where('status', '=', query.status ?? ''))
      .$if(query.ids !== undefined, (q) => q.where('id', 'in', query.ids ?? []))
      .orderBy('created_at', 'desc')
      .limit(query.limit)
      .execute();
    const deciders = await namesOf(this.deps.db, rows.flatMap((row) => (row.resolved_by ? [row.resolved_by] : [])));
    const deviceIds = [...new Set(rows.map((row) => row.device_id))];
    const devices = new Map(
      deviceIds.length === 0 ? [] : (await this.deps.db.selectFrom('devices').select(['device_id', 'name']).where('device_id', 'in', deviceIds).execute()).map((d) => [d.device_id, d.name]),
    );
    const writers = await this.serverWriters(rows);
    return rows.map((row) => ({
      ...conflictFromRow(row),
      resolvedByName: row.resolved_by ? (deciders.get(row.resolved_by) ?? null) : null,
      deviceName: devices.get(row.device_id) ?? null,
      serverWriter: writers.get(`${row.record_id}\u0000${row.server_version}`) ?? null,
    }));
  }

  /** Who made the server's version each conflict met, from the records' history. */
  private async serverWriters(rows: readonly { record_id: string; server_version: number }[]): Promise<Map<string, { name: string | null; at: string }>> {
    const writers = new Map<string, { name: string | null; at: string }>();
    if (rows.length === 0) return writers;
    // Exactly the versions the conflicts met, not every version of those records.
    const history = await this.deps.db
      .selectFrom('record_history')
      .select(['record_id', 'version', 'user_id', 'changed_at'])
      .where((eb) => eb.or(rows.map((row) => eb.and([eb('record_id', '=', row.record_id), eb('version', '=', row.server_version)]))))
      .execute();
    const names = await namesOf(this.deps.db, history.flatMap((h) => (h.user_id ? [h.user_id] : [])));
    for (const h of history) writers.set(`${h.record_id}\u0000${h.version}`, { name: h.user_id ? (names.get(h.user_id) ?? null) : null, at: h.changed_at });
    return writers;
  }

  /**
   * A person's decision. It becomes a new version of the record, so every device receives it
   * through pull like any other change; the conflict keeps the decision for the audit trail.
   */
  async resolve({ user }: Principal, conflictId: string, request: ResolveConflictRequest) {
    const { db, dialect, clock, hub } = this.deps;
    const nowIso = isoAt(clock);
    const outcome = await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('conflicts')
        .selectAll()
        .where('id', '=', conflictId)
        .$if(dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!row) throw new FieldlineError('NOT_FOUND', `Conflict ${conflictId} does not exist`);
      const mayResolve =
        overseesSites(user.role) ? row.site_id !== null && user.siteIds.includes(row.site_id) : row.user_id === user.id;
      if (!mayResolve) throw new FieldlineError('PERMISSION_DENIED', 'You may not resolve this conflict');
      const conflict = conflictFromRow(row);
      if (conflict.kind === 'refused' && !mayDecideRefusal(user, row.site_id)) {
        throw new FieldlineError('PERMISSION_DENIED', "A change the server refused is decided by a supervisor of its site; on the laptop, discard it or change it and send it again");
      }
      if (row.status === 'resolved') {
        const [decider] = row.resolved_by ? [...(await namesOf(trx, [row.resolved_by])).values()] : [];
        throw new FieldlineError('VERSION_CONFLICT', `${decider ?? 'Someone'} decided this conflict first${row.resolved_at ? ` (${row.resolved_at})` : ''}`, {
          resolvedBy: row.resolved_by,
          resolvedAt: row.resolved_at,
        });
      }
      const entity = entityNameSchema.parse(row.entity);
      const recordId = row.survivor_id ?? row.record_id;
      const uow = new RecordUnitOfWork(trx, dialect);
      uow.author = { userId: user.id, deviceId: null };
      await uow.load([{ entity, id: recordId }]);
      const stored = uow.get(entity, recordId);
      // A refused create the supervisor applies becomes the record, as the technician sent it.
      const refusedCreate = conflict.refusal?.opKind === 'create' && request.choice === 'local' && stored === null;
      const current = stored ?? (refusedCreate ? { entity, id: recordId, version: 0, data: { id: recordId }, deleted: false, createdAt: nowIso, updatedAt: nowIso } : null);
      if (!current) throw new FieldlineError('NOT_FOUND', `${entity} ${recordId} no longer exists`);
      const decided: JsonRecord = {};
      const data: JsonRecord = { ...current.data };
      for (const field of conflict.fields) {
        const decision = request.fields?.[field.field] ?? (request.choice ? { choice: request.choice } : undefined);
        if (!decision) continue;
        const value: Json = decision.choice === 'value' ? decision.value : decision.choice === 'local' ? field.local : field.server;
        data[field.field] = value;
        decided[field.field] = decision.choice === 'value' ? { choice: 'value', value } : { choice: decision.choice };
      }
      let deleted = current.deleted;
      if (conflict.kind === 'update-delete' && request.choice === 'local') deleted = false;
      if (conflict.kind === 'delete-update' && request.choice === 'local') deleted = true;
      if (conflict.refusal?.opKind === 'delete' && request.choice === 'local') deleted = true;
      const decidesRecord = conflict.kind === 'update-delete' || conflict.kind === 'delete-update' || conflict.refusal?.opKind === 'delete';
      if (Object.keys(decided).length === 0 && !(decidesRecord && request.choice)) {
        throw new FieldlineError('VALIDATION_ERROR', 'The decision names no field of this conflict: choose a side for the record or for at least one of its fields', {
          fields: conflict.fields.map((f) => f.field),
        });
      }
      // Written with the decider's rights, before and after: nobody moves a record off their sites.
      if (changesAccess(entity, current, data, deleted) && !canWrite(user, { ...current, data }, null)) {
        throw new FieldlineError('PERMISSION_DENIED', 'That decision would move the record somewhere you do not work');
      }
      if (!deleted) {
        const parsed = entitySchemas[entity].safeParse(data);
        if (!parsed.success) throw validationError('resolved record', parsed.error);
      }
      const changed = deleted !== current.deleted || JSON.stringify(data) !== JSON.stringify(current.data);
      const state = changed
        ? { ...current, data: entity === 'workOrder' ? { ...data, updatedAt: nowIso } : data, deleted, version: current.version + 1, updatedAt: nowIso }
        : current;
      if (changed) uow.put(state);
      const resolution: JsonRecord = { ...(request.choice ? { choice: request.choice } : {}), fields: decided };
      await trx
        .updateTable('conflicts')
        .set({ status: 'resolved', resolved_at: nowIso, resolved_by: user.id, resolution: JSON.stringify(resolution) })
        .where('id', '=', conflictId)
        .execute();
      const written = await uow.commit(nowIso, () => undefined);
      // The technician's device learns the decision now, and the other supervisors' logs update.
      const commit = { ...written, conflicts: [...written.conflicts, { siteId: row.site_id, userId: row.user_id }] };
      await hub.announce(trx, commit);
      const resolvedRow = await trx.selectFrom('conflicts').selectAll().where('id', '=', conflictId).executeTakeFirstOrThrow();
      return { commit, conflict: conflictFromRow(resolvedRow), state };
    });
    hub.publish(outcome.commit.head, outcome.commit.changes, outcome.commit.conflicts);
    return {
      conflict: outcome.conflict,
      version: outcome.state.version,
      record: outcome.state.deleted ? null : outcome.state.data,
    };
  }
}
