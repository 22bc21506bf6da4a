import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { DialectName } from './schema';

/**
 * Migrations live in code (not files on disk) so they survive bundling. One list for both
 * dialects; the only difference is the integer width of sequence columns.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  const big = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('credentials')
          .addColumn('user_id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('records')
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('site_id', 'text')
          .addColumn('assigned_to', 'text')
          .addColumn('created_by', 'text')
          .addColumn('status', 'text')
          .addColumn('asset_id', 'text')
          .addColumn('work_order_id', 'text')
          .addColumn('natural_key', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('records_pk', ['entity', 'id'])
          .execute();
        for (const column of ['site_id', 'assigned_to', 'created_by', 'asset_id', 'work_order_id', 'natural_key']) {
          await db.schema.createIndex(`records_${column}_idx`).on('records').columns(['entity', column]).execute();
        }
        await db.schema
          .createTable('changes')
          .addColumn('seq', big, (c) => c.primaryKey())
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('op', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('site_id', 'text')
          .addColumn('assigned_to', 'text')
          .addColumn('created_by', 'text')
          .addColumn('prev_site_id', 'text')
          .addColumn('prev_assigned_to', 'text')
          .addColumn('committed_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('changes_record_idx').on('changes').columns(['entity', 'record_id']).execute();
        await db.schema
          .createTable('change_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('seq', big, (c) => c.notNull())
          .addColumn('work_order_number', big, (c) => c.notNull())
          .execute();
        await sql`insert into change_head (id, seq, work_order_number) values (1, 0, 0)`.execute(db);
        await db.schema
          .createTable('applied_ops')
          .addColumn('op_id', 'text', (c) => c.primaryKey())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('conflicts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('fields', 'text', (c) => c.notNull())
          .addColumn('op_id', 'text', (c) => c.notNull())
          .addColumn('device_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('site_id', 'text')
          .addColumn('survivor_id', 'text')
          .addColumn('client_version', 'integer', (c) => c.notNull())
          .addColumn('server_version', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('resolved_at', 'text')
          .addColumn('resolved_by', 'text')
          .addColumn('resolution', 'text')
          .execute();
        await db.schema.createIndex('conflicts_site_idx').on('conflicts').columns(['site_id', 'status']).execute();
        await db.schema.createIndex('conflicts_record_idx').on('conflicts').columns(['entity', 'record_id']).execute();
        await db.schema
          .createTable('refresh_tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('family_id', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('used_at', 'text')
          .addColumn('replaced_by', 'text')
          .addColumn('revoked_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').column('family_id').execute();
      },
    },
    '0002_drop_change_record_index': {
      async up(db: Kysely<unknown>) {
        // No query looks changes up by record: pulls walk them by seq, retention prunes by seq. The
        // index cost every push a random insert per op (a tenth of a 1000-op batch's writes).
        await db.schema.dropIndex('changes_record_idx').execute();
      },
    },
    '0003_history_by_age': {
      async up(db: Kysely<unknown>) {
        // Retention (log-retention.ts) drops recorded op results and tombstones by age every day;
        // without these it read every op result and every record, in a write transaction.
        await db.schema.createIndex('applied_ops_created_idx').on('applied_ops').column('created_at').execute();
        await sql`create index records_tombstone_age_idx on records (updated_at) where deleted = 1`.execute(db);
      },
    },
    '0004_refused_changes': {
      async up(db: Kysely<unknown>) {
        // A change the server refuses is kept as a `refused` conflict for the site's supervisors:
        // why it was refused and what kind of change it was (refusalSchema), as JSON.
        await db.schema.alterTable('conflicts').addColumn('refusal', 'text').execute();
      },
    },
    '0005_refresh_answer_resent': {
      async up(db: Kysely<unknown>) {
        // A refresh whose answer was lost is answered again once (tokens.ts); this says it was.
        await db.schema.alterTable('refresh_tokens').addColumn('resent_at', 'text').execute();
      },
    },
    '0006_sign_in_attempts': {
      async up(db: Kysely<unknown>) {
        // Sign-in attempts per account and per address (sign-in-limits.ts), shared by every instance.
        await db.schema
          .createTable('sign_in_attempts')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('reset_at', big, (c) => c.notNull())
          .execute();
      },
    },
    '0007_administration': {
      async up(db: Kysely<unknown>) {
        // A disabled account keeps its records and history; it only cannot sign in (admin/users.ts).
        await db.schema.alterTable('credentials').addColumn('disabled_at', 'text').execute();
        // Which laptop a sign-in is on, and why a sign-in ended: a revoked laptop is told to wipe itself.
        await db.schema.alterTable('refresh_tokens').addColumn('device_id', 'text').execute();
        await db.schema.alterTable('refresh_tokens').addColumn('revoked_reason', 'text').execute();
        await db.schema.createIndex('refresh_tokens_device_idx').on('refresh_tokens').column('device_id').execute();
        await db.schema
          .createTable('devices')
          .addColumn('device_id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('first_seen_at', 'text', (c) => c.notNull())
          .addColumn('last_seen_at', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('revoked_by', 'text')
          .addColumn('handed_over_at', 'text')
          .execute();
        // A record's id in the company's own system (ERP, CMMS, a spreadsheet): imports and the
        // integration API find the record by it, so sending the same row twice changes nothing.
        await db.schema
          .createTable('external_ids')
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('external_id', 'text', (c) => c.notNull())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('external_ids_pk', ['entity', 'external_id'])
          .execute();
        await db.schema.createIndex('external_ids_record_idx').on('external_ids').columns(['entity', 'record_id']).execute();
        await db.schema
          .createTable('integration_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('token_hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('revoked_at', 'text')
          .addColumn('last_used_at', 'text')
          .execute();
        await db.schema
          .createTable('audit_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('details', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_log_at_idx').on('audit_log').column('at').execute();
      },
    },
    '0008_upload_locks': {
      async up(db: Kysely<unknown>) {
        // Which request may write an upload's next chunk, across every instance (upload-lock.ts).
        await db.schema
          .createTable('upload_locks')
          .addColumn('upload_id', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .addColumn('release_requested', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
      },
    },
    '0009_record_history': {
      async up(db: Kysely<unknown>) {
        // Who changed which fields of a record, and when: kept as long as the record, not pruned
        // with the change log (which serves sync, not people).
        await db.schema
          .createTable('record_history')
          .addColumn('entity', 'text', (c) => c.notNull())
          .addColumn('record_id', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('changed_at', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text')
          .addColumn('device_id', 'text')
          .addColumn('fields', 'text', (c) => c.notNull())
          // The change-log position of this version, and the values it wrote (the whole record for a
          // create): a WatermelonDB push's base is read from them (watermelon-push.ts).
          .addColumn('seq', big, (c) => c.notNull())
          .addColumn('field_values', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('record_history_pk', ['entity', 'record_id', 'version'])
          .execute();
        // Which pull a WatermelonDB device made before each timestamp it holds: its changes are based on that one.
        await db.schema
          .createTable('watermelon_pulls')
          .addColumn('device_key', 'text', (c) => c.notNull())
          .addColumn('timestamp', big, (c) => c.notNull())
          .addColumn('previous', big)
          .addColumn('pulled_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('watermelon_pulls_pk', ['device_key', 'timestamp'])
          .execute();
      },
    },
  };
}

export async function migrateToLatest<DB>(db: Kysely<DB>, dialect: DialectName): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
