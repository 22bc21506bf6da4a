import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3-multiple-ciphers';
import { migrateToLatest } from '../../src-server/db/migrations';
import type { ServerDatabase } from '../../src-server/db/schema';
import { changeConcerns, changeRelevanceSql, relevanceRules } from '../../src-server/sync/scope';
import { entityNames } from '../../src-shared/domain/entity-registry';

/** The scope rules have two interpreters (SQL for pull, memory for notifications); they must agree. */
describe('relevance rules', () => {
  let db: Kysely<ServerDatabase>;
  beforeAll(async () => {
    db = new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await migrateToLatest(db, 'sqlite');
  });
  afterAll(async () => db.destroy());

  const ids = ['u1', 'u2', 's1', 's2', 's3'];
  const maybeId = fc.option(fc.constantFrom(...ids), { nil: null });
  const change = fc.record({
    entity: fc.constantFrom(...entityNames),
    record_id: fc.constantFrom(...ids),
    site_id: maybeId,
    prev_site_id: maybeId,
    assigned_to: maybeId,
    prev_assigned_to: maybeId,
    created_by: maybeId,
  });
  const user = fc.record({
    id: fc.constantFrom('u1', 'u2'),
    username: fc.constant('x'),
    displayName: fc.constant('x'),
    role: fc.constantFrom('technician' as const, 'supervisor' as const),
    siteIds: fc.subarray(['s1', 's2', 's3']),
  });

  it('SQL and memory give the same answer for every change and user', async () => {
    await fc.assert(
      fc.asyncProperty(change, user, async (c, u) => {
        await db.deleteFrom('changes').execute();
        await db.insertInto('changes').values({ ...c, seq: 1, op: 'upsert', version: 1, committed_at: '2026-01-01T00:00:00Z' }).execute();
        const rules = relevanceRules({ user: u });
        const rows = await db.selectFrom('changes as c').select('c.seq').where(changeRelevanceSql(rules, 'c')).execute();
        expect(rows.length === 1).toBe(changeConcerns(rules, c));
      }),
      { numRuns: 300 },
    );
  });
});
