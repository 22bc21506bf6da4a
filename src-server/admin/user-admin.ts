import { userSchema, type User } from '../../src-shared/domain/entities';
import type { AdminUser, NewUserRequest, UserChangeRequest } from '../../src-shared/protocol/admin';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { isoAt } from '../../src-shared/sync/clock';
import { hashPassword } from '../auth/passwords';
import type { SignInRevoker } from '../auth/tokens';
import { createUser, loadUser } from '../auth/users';
import { audit, type Actor } from './audit-log';
import { writeRecords, type AdminDeps } from './record-writes';

/**
 * Users as IT manages them: the synced user record (its profile reaches the user's devices through
 * the change log, like any record) and the credentials row beside it.
 */
export class UserAdministration {
  constructor(
    private readonly deps: AdminDeps,
    private readonly tokens: SignInRevoker,
  ) {}

  async list(): Promise<AdminUser[]> {
    const rows = await this.deps.db
      .selectFrom('credentials')
      .innerJoin('records', (join) => join.onRef('records.id', '=', 'credentials.user_id').on('records.entity', '=', 'user'))
      .leftJoin('external_ids', (join) => join.onRef('external_ids.record_id', '=', 'credentials.user_id').on('external_ids.entity', '=', 'user'))
      .select(['records.data', 'credentials.disabled_at', 'external_ids.external_id'])
      .orderBy('credentials.username')
      .execute();
    return rows.map((row) => ({ ...userSchema.parse(JSON.parse(row.data)), disabled: row.disabled_at !== null, externalId: row.external_id }));
  }

  async create(request: NewUserRequest, actor: Actor): Promise<User> {
    await this.requireSites(request.siteIds);
    const user = await createUser(this.deps, request);
    await audit(this.deps.db, isoAt(this.deps.clock), actor, 'user.create', user.id, { username: user.username, role: user.role, siteIds: user.siteIds });
    return user;
  }

  /** Name, role, sites: the user's devices get the new profile, and their scope follows the new sites, at their next sync. */
  async change(userId: string, request: UserChangeRequest, actor: Actor): Promise<User> {
    const current = await this.existing(userId);
    if (request.siteIds) await this.requireSites(request.siteIds);
    const next = userSchema.parse({ ...current, ...request });
    await writeRecords(
      this.deps,
      [{ entity: 'user', id: userId, data: next }],
      async (trx, _outcomes, nowIso) => {
        await audit(trx, nowIso, actor, 'user.change', userId, request);
      },
      actor.kind === 'user' ? actor.userId : null,
    );
    return next;
  }

  /** Disabled: no new sign-in, and every sign-in and access token of the account stops working now. */
  async setDisabled(userId: string, disabled: boolean, actor: Actor): Promise<void> {
    await this.existing(userId);
    const nowIso = isoAt(this.deps.clock);
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('credentials').set({ disabled_at: disabled ? nowIso : null }).where('user_id', '=', userId).execute();
      if (disabled) await this.tokens.revokeSignIns(trx, { userId }, 'account-disabled');
      await audit(trx, nowIso, actor, disabled ? 'user.disable' : 'user.enable', userId);
    });
  }

  /** A new password; the account's sign-ins end, so a device that knew the old one signs in again. */
  async resetPassword(userId: string, password: string, actor: Actor): Promise<void> {
    await this.existing(userId);
    const hash = await hashPassword(password);
    const nowIso = isoAt(this.deps.clock);
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('credentials').set({ password_hash: hash }).where('user_id', '=', userId).execute();
      await this.tokens.revokeSignIns(trx, { userId }, 'signed-out');
      await audit(trx, nowIso, actor, 'user.reset-password', userId);
    });
  }

  /** The user by id or username: IT types usernames. */
  async resolve(idOrUsername: string): Promise<string> {
    const row = await this.deps.db
      .selectFrom('credentials')
      .select('user_id')
      .where((eb) => eb.or([eb('user_id', '=', idOrUsername), eb('username', '=', idOrUsername)]))
      .executeTakeFirst();
    if (!row) throw new FieldlineError('NOT_FOUND', `No user ${idOrUsername}: list them with "users"`);
    return row.user_id;
  }

  private async existing(userId: string): Promise<User> {
    const user = await loadUser(this.deps.db, userId);
    if (!user) throw new FieldlineError('NOT_FOUND', `No user ${userId}`);
    return user;
  }

  private async requireSites(siteIds: readonly string[]): Promise<void> {
    if (siteIds.length === 0) return;
    const found = await this.deps.db.selectFrom('records').select('id').where('entity', '=', 'site').where('deleted', '=', 0).where('id', 'in', siteIds).execute();
    const missing = siteIds.filter((id) => !found.some((row) => row.id === id));
    if (missing.length > 0) throw new FieldlineError('VALIDATION_ERROR', `No site ${missing.join(', ')}`, { field: 'siteIds' });
  }
}
