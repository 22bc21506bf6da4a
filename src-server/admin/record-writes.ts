import type { Transaction } from 'kysely';
import { entitySchemas, type EntityName } from '../../src-shared/domain/entity-registry';
import { jsonEqual } from '../../src-shared/domain/json';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import { validationError } from '../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { DialectName, ServerDatabase, ServerDb } from '../db/schema';
import type { ChangeHub } from '../sync/change-hub';
import { RecordUnitOfWork } from '../sync/unit-of-work';

/** What administration writes with: the database, the clock, and the hub that tells devices. */
export interface AdminDeps {
  db: ServerDb;
  dialect: DialectName;
  clock: Clock;
  hub: ChangeHub;
}

/** A record as administration wants it to be: created, replaced, or left as it is when nothing differs. */
export interface RecordWrite {
  entity: EntityName;
  id: string;
  /** The whole record, checked against its entity's schema. */
  data: JsonRecord;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Writes records the way every other write is made (unit-of-work.ts): a new version and a change-log
 * entry, so devices receive admin changes like any other; a record whose data would not change is
 * left alone, which is what makes an import run twice change nothing. `alongside` runs in the same
 * transaction (the audit line, external ids, credentials) before the commit.
 */
export async function writeRecords(
  deps: AdminDeps,
  writes: readonly RecordWrite[],
  alongside: (trx: Transaction<ServerDatabase>, outcomes: readonly WriteOutcome[], nowIso: string) => Promise<void> = async () => undefined,
  /** The admin who makes the change, for the records' history; null: the server (an import by the CLI or an integration). */
  authorId: string | null = null,
): Promise<WriteOutcome[]> {
  for (const write of writes) {
    const parsed = entitySchemas[write.entity].safeParse(write.data);
    if (!parsed.success) throw validationError(`${write.entity} ${write.id}`, parsed.error);
  }
  const nowIso = isoAt(deps.clock);
  const { outcomes, commit } = await deps.db.transaction().execute(async (trx) => {
    const uow = new RecordUnitOfWork(trx, deps.dialect);
    uow.author = { userId: authorId, deviceId: null };
    await uow.load(writes.map(({ entity, id }) => ({ entity, id })));
    const outcomes = writes.map(({ entity, id, data }): WriteOutcome => {
      const current = uow.get(entity, id);
      if (current && !current.deleted && jsonEqual(current.data, data)) return 'unchanged';
      const written = entity === 'workOrder' && current ? { ...data, updatedAt: nowIso } : data;
      uow.put({ entity, id, version: (current?.version ?? 0) + 1, data: written, deleted: false, createdAt: current?.createdAt ?? createdAtOf(data, nowIso), updatedAt: nowIso });
      return current && !current.deleted ? 'updated' : 'created';
    });
    await alongside(trx, outcomes, nowIso);
    const commit = await uow.commit(nowIso, () => undefined);
    await deps.hub.announce(trx, commit);
    return { outcomes, commit };
  });
  deps.hub.publish(commit.head, commit.changes, commit.conflicts);
  return outcomes;
}

/** A work order says when it was created (an imported one may be older than its import); other records were created now. */
function createdAtOf(data: JsonRecord, nowIso: string): string {
  return typeof data.createdAt === 'string' ? data.createdAt : nowIso;
}
