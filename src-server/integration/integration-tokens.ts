import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { IntegrationToken } from '../../src-shared/protocol/admin';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { IntegrationTokensTable, ServerDb } from '../db/schema';
import { actorName, audit, type Actor } from '../admin/audit-log';

/** The prefix tells a leaked token for what it is (secret scanners match on it). */
const tokenPrefix = 'fli_';

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * An ERP's or CMMS's own credential: made by an admin, shown once, kept only as a hash, revocable at
 * once. It reaches the integration API and nothing else.
 */
export class IntegrationTokens {
  constructor(
    private readonly db: ServerDb,
    private readonly clock: Clock,
  ) {}

  async create(name: string, actor: Actor): Promise<{ token: string; summary: IntegrationToken }> {
    const token = `${tokenPrefix}${randomBytes(32).toString('base64url')}`;
    const nowIso = isoAt(this.clock);
    const row: IntegrationTokensTable = { id: uuidv7(), name, token_hash: hashOf(token), created_at: nowIso, created_by: actorName(actor), revoked_at: null, last_used_at: null };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('integration_tokens').values(row).execute();
      await audit(trx, nowIso, actor, 'integration-token.create', row.id, { name });
    });
    return { token, summary: summaryOf(row) };
  }

  async list(): Promise<IntegrationToken[]> {
    return (await this.db.selectFrom('integration_tokens').selectAll().orderBy('created_at').execute()).map(summaryOf);
  }

  async revoke(idOrName: string, actor: Actor): Promise<IntegrationToken> {
    const nowIso = isoAt(this.clock);
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('integration_tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(nowIso)) }))
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new FieldlineError('NOT_FOUND', `No integration token ${idOrName}: list them with "integration-tokens"`);
      await audit(trx, nowIso, actor, 'integration-token.revoke', row.id, { name: row.name });
      return summaryOf(row);
    });
  }

  /** The integration a request comes from, by its bearer token. */
  async authenticate(authorization: string | undefined): Promise<Actor & { kind: 'integration' }> {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
    if (!token.startsWith(tokenPrefix)) throw new FieldlineError('AUTH_ERROR', 'The integration API needs an integration token (Authorization: Bearer fli_…); an admin makes one');
    const row = await this.db.selectFrom('integration_tokens').selectAll().where('token_hash', '=', hashOf(token)).executeTakeFirst();
    if (!row) throw new FieldlineError('AUTH_ERROR', 'This integration token is not known here');
    if (row.revoked_at !== null) throw new FieldlineError('AUTH_ERROR', `The integration token "${row.name}" was revoked`);
    await this.db.updateTable('integration_tokens').set({ last_used_at: isoAt(this.clock) }).where('id', '=', row.id).execute();
    return { kind: 'integration', tokenId: row.id, name: row.name };
  }
}

function summaryOf(row: IntegrationTokensTable): IntegrationToken {
  return { id: row.id, name: row.name, createdAt: row.created_at, revokedAt: row.revoked_at, lastUsedAt: row.last_used_at };
}
