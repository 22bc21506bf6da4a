import { entityNameSchema } from '../../src-shared/domain/entity-registry';
import { userSchema, type User } from '../../src-shared/domain/entities';
import { newRecordId } from '../../src-shared/domain/ids';
import type { UserRole } from '../../src-shared/domain/work-order-status';
import type { Clock } from '../../src-shared/sync/clock';
import { isoAt } from '../../src-shared/sync/clock';
import type { DialectName, ServerDb } from '../db/schema';
import { RecordUnitOfWork } from '../sync/unit-of-work';
import { stateFromRow } from '../sync/record-state';
import { hashPassword } from './passwords';

export interface NewUser {
  username: string;
  password: string;
  displayName: string;
  role: UserRole;
  siteIds: string[];
}

/** A user is a synced record (their profile reaches their device) plus a credentials row. */
export async function createUser(db: ServerDb, dialect: DialectName, clock: Clock, input: NewUser, id = newRecordId()): Promise<User> {
  const user = userSchema.parse({ id, username: input.username, displayName: input.displayName, role: input.role, siteIds: input.siteIds });
  const passwordHash = await hashPassword(input.password);
  const nowIso = isoAt(clock);
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('credentials').values({ user_id: id, username: input.username, password_hash: passwordHash }).execute();
    const uow = new RecordUnitOfWork(trx, dialect);
    uow.put({ entity: 'user', id, version: 1, data: user, deleted: false, createdAt: nowIso, updatedAt: nowIso });
    await uow.commit(nowIso, () => undefined);
  });
  return user;
}

export async function loadUser(db: ServerDb, userId: string): Promise<User | null> {
  const row = await db.selectFrom('records').selectAll().where('entity', '=', 'user').where('id', '=', userId).where('deleted', '=', 0).executeTakeFirst();
  return row ? userSchema.parse(stateFromRow(row, entityNameSchema.parse('user')).data) : null;
}
