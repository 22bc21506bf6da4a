import { entityNameSchema } from '../../src-shared/domain/entity-registry';
import { userSchema, type User } from '../../src-shared/domain/entities';
import { newRecordId } from '../../src-shared/domain/ids';
import type { UserRole } from '../../src-shared/domain/work-order-status';
import { FieldlineError } from '../../src-shared/protocol/errors';
import type { ServerDb } from '../db/schema';
import { writeRecords, type AdminDeps } from '../admin/record-writes';
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
export async function createUser(deps: AdminDeps, input: NewUser, id = newRecordId()): Promise<User> {
  const user = userSchema.parse({ id, username: input.username, displayName: input.displayName, role: input.role, siteIds: input.siteIds });
  const taken = await deps.db.selectFrom('credentials').select('user_id').where('username', '=', input.username).executeTakeFirst();
  if (taken) throw new FieldlineError('VALIDATION_ERROR', `The username ${input.username} is taken`, { field: 'username' });
  const passwordHash = await hashPassword(input.password);
  await writeRecords(deps, [{ entity: 'user', id, data: user }], async (trx) => {
    await trx.insertInto('credentials').values({ user_id: id, username: input.username, password_hash: passwordHash, disabled_at: null }).execute();
  });
  return user;
}

export async function loadUser(db: ServerDb, userId: string): Promise<User | null> {
  const row = await db.selectFrom('records').selectAll().where('entity', '=', 'user').where('id', '=', userId).where('deleted', '=', 0).executeTakeFirst();
  return row ? userSchema.parse(stateFromRow(row, entityNameSchema.parse('user')).data) : null;
}

/** The user a request is made for, refused while an admin has the account disabled: at once, on every instance. */
export async function loadEnabledUser(db: ServerDb, userId: string): Promise<User> {
  const row = await db
    .selectFrom('records')
    .innerJoin('credentials', 'credentials.user_id', 'records.id')
    .selectAll('records')
    .select('credentials.disabled_at')
    .where('records.entity', '=', 'user')
    .where('records.id', '=', userId)
    .where('records.deleted', '=', 0)
    .executeTakeFirst();
  if (!row) throw new FieldlineError('AUTH_ERROR', 'This account no longer exists');
  if (row.disabled_at !== null) throw new FieldlineError('AUTH_ERROR', 'This account was disabled by IT: ask IT to enable it');
  return userSchema.parse(stateFromRow(row, entityNameSchema.parse('user')).data);
}
