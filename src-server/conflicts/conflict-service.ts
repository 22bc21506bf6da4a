import type { z } from 'zod';
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
      .$if(user.role === 'supervisor', (q) => q.where('site_id', 'in', query.siteId ? [query.siteId] : user.siteIds))
      .$if(user.role === 'technician', (q) => q.where('user_id', '=', user.id))
      .$if(user.role === 'technician' && query.siteId !== undefined, (q) => q.where('site_id', '=', query.siteId ?? ''))
      .$if(query.status !== undefined, (q) => q.where('status', '=', query.status ?? ''))
      .orderBy('created_at', 'desc')
      .limit(query.limit)
      .execute();
    return rows.map(conflictFromRow);
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
        user.role === 'supervisor' ? row.site_id !== null && user.siteIds.includes(row.site_id) : row.user_id === user.id;
      if (!mayResolve) throw new FieldlineError('PERMISSION_DENIED', 'You may not resolve this conflict');
      if (row.status === 'resolved') throw new FieldlineError('VERSION_CONFLICT', 'This conflict was already resolved');
      const conflict = conflictFromRow(row);
      const entity = entityNameSchema.parse(row.entity);
      const recordId = row.survivor_id ?? row.record_id;
      const uow = new RecordUnitOfWork(trx, dialect);
      await uow.load([{ entity, id: recordId }]);
      const current = uow.get(entity, recordId);
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
      const commit = await uow.commit(nowIso, () => undefined);
      const resolvedRow = await trx.selectFrom('conflicts').selectAll().where('id', '=', conflictId).executeTakeFirstOrThrow();
      return { commit, conflict: conflictFromRow(resolvedRow), state };
    });
    hub.publish(outcome.commit.head, outcome.commit.changes);
    return {
      conflict: outcome.conflict,
      version: outcome.state.version,
      record: outcome.state.deleted ? null : outcome.state.data,
    };
  }
}
