import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';

/** In code, not files, so they survive bundling into the Electron main process. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('records')
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('server_data', 'text')
        .addColumn('sync_state', 'text', (c) => c.notNull())
        .addColumn('site_id', 'text')
        .addColumn('status', 'text')
        .addColumn('priority', 'text')
        .addColumn('assigned_to', 'text')
        .addColumn('scheduled_end', 'text')
        .addColumn('work_order_id', 'text')
        .addColumn('search_text', 'text')
        .addColumn('pending_delete', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('records_pk', ['entity', 'id'])
        .execute();
      await db.schema.createIndex('records_list_idx').on('records').columns(['entity', 'status', 'scheduled_end']).execute();
      await db.schema.createIndex('records_site_idx').on('records').columns(['entity', 'site_id']).execute();
      await db.schema.createIndex('records_work_order_idx').on('records').columns(['entity', 'work_order_id']).execute();
      await db.schema
        .createTable('outbox')
        .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('op_id', 'text', (c) => c.notNull().unique())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('base_version', 'integer', (c) => c.notNull())
        .addColumn('field_values', 'text', (c) => c.notNull())
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('depends_on', 'text', (c) => c.notNull())
        .addColumn('resolves', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('client_time', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('outbox_record_idx').on('outbox').columns(['entity', 'record_id']).execute();
      await db.schema
        .createTable('bases')
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('bases_pk', ['entity', 'record_id', 'field'])
        .execute();
      await db.schema
        .createTable('conflicts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('entity', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('server_conflict_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('resolved_at', 'text')
        .addColumn('resolution', 'text')
        .execute();
      await db.schema.createIndex('conflicts_record_idx').on('conflicts').columns(['entity', 'record_id', 'status']).execute();
      await db.schema
        .createTable('sync_state')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sync_metrics')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('pushed', 'integer', (c) => c.notNull())
        .addColumn('pulled', 'integer', (c) => c.notNull())
        .addColumn('bytes_sent', 'integer', (c) => c.notNull())
        .addColumn('bytes_received', 'integer', (c) => c.notNull())
        .addColumn('conflicts', 'text', (c) => c.notNull())
        .addColumn('queue_depth', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createTable('notices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('entity', 'text')
        .addColumn('record_id', 'text')
        .addColumn('read', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '0002_work_order_list_order': {
    async up(db: Kysely<unknown>) {
      // The list's order (due date, undated last) as an index: the first page is read in order
      // instead of sorting every work order with its data. search_text rides along so a search
      // and the total are answered from the index, never by visiting 100k rows one by one.
      await sql`create index records_due_order_idx on records (entity, pending_delete, (scheduled_end is null), scheduled_end, id, search_text)`.execute(db);
    },
  },
  '0003_unsynced_records': {
    async up(db: Kysely<unknown>) {
      // Records created here and not yet acknowledged (version 0): the push reads them on every
      // cycle to hold back ops that reference them. A partial index holds only those few rows.
      await sql`create index records_unsynced_idx on records (entity, id) where version = 0`.execute(db);
    },
  },
  '0004_attachment_files': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('attachment_files')
        .addColumn('attachment_id', 'text', (c) => c.primaryKey())
        .addColumn('work_order_id', 'text', (c) => c.notNull())
        .addColumn('content_key', 'text')
        .addColumn('thumbnail_key', 'text')
        .addColumn('thumbnail_state', 'text', (c) => c.notNull())
        .addColumn('upload_state', 'text', (c) => c.notNull())
        .addColumn('upload_url', 'text')
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('uploaded_bytes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_sent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('priority', 'integer', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('attachment_files_work_order_idx').on('attachment_files').column('work_order_id').execute();
    },
  },
  '0005_list_filters_from_index': {
    async up(db: Kysely<unknown>) {
      // The list's filters (status, site, priority) ride in the due-order index, so a filtered page
      // and its total never fetch the (encrypted, 16 KB-paged) rows just to test a column: a count
      // of "assigned" among 100k took 6 s that way. The status index answers counts by status.
      await sql`drop index records_due_order_idx`.execute(db);
      await sql`create index records_due_order_idx on records (entity, pending_delete, (scheduled_end is null), scheduled_end, id, status, site_id, priority, search_text)`.execute(db);
      await sql`drop index records_list_idx`.execute(db);
      await sql`create index records_status_idx on records (entity, pending_delete, status)`.execute(db);
    },
  },
  '0006_full_text_search': {
    async up(db: Kysely<unknown>) {
      // Search moves from a LIKE over search_text in the due-order index to an FTS5 index of words.
      // The wide index was rewritten page by page on every commit of a first sync (a third of its
      // CPU), and a search had to read all of it (35 MB at 100k) for its total; the FTS index holds
      // 3 MB and answers a word from its own list. detail=none: no phrase or NEAR queries, which
      // the search does not make (searchMatchExpression), for a fraction of the size.
      // A work order is now also found by its number's digits (workOrderSearchText). Rewritten
      // before the triggers exist: they would remove words from an index that never held them.
      await sql`update records set search_text = search_text || ' ' || ltrim(substr(json_extract(data, '$.number'), 4), '0')
        where entity = 'workOrder' and json_extract(data, '$.number') glob 'WO-*[1-9]*' and ltrim(substr(json_extract(data, '$.number'), 4), '0') not glob '*[^0-9]*'`.execute(db);
      await sql`drop index records_due_order_idx`.execute(db);
      await sql`create index records_due_order_idx on records (entity, pending_delete, (scheduled_end is null), scheduled_end, id, status, site_id, priority)`.execute(db);
      await sql`create virtual table records_search using fts5(search_text, content='records', content_rowid='rowid', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 2')`.execute(db);
      // External content: the index follows the records table through these triggers, whoever
      // writes. Work orders only, the one list searched, so the index alone counts a search's hits.
      // (A rebuild would index every row with a search_text; the index is filled below instead.)
      await sql`create trigger records_search_insert after insert on records when new.entity = 'workOrder' and new.search_text is not null begin
        insert into records_search(rowid, search_text) values (new.rowid, new.search_text);
      end`.execute(db);
      await sql`create trigger records_search_delete after delete on records when old.entity = 'workOrder' and old.search_text is not null begin
        insert into records_search(records_search, rowid, search_text) values ('delete', old.rowid, old.search_text);
      end`.execute(db);
      // Only when the text changed: a pulled or acknowledged record assigns every list column.
      await sql`create trigger records_search_update after update of search_text on records when old.entity = 'workOrder' and old.search_text is not new.search_text begin
        insert into records_search(records_search, rowid, search_text) select 'delete', old.rowid, old.search_text where old.search_text is not null;
        insert into records_search(rowid, search_text) select new.rowid, new.search_text where new.search_text is not null;
      end`.execute(db);
      await sql`insert into records_search(rowid, search_text) select rowid, search_text from records where entity = 'workOrder' and search_text is not null`.execute(db);
    },
  },
  '0007_server_state_from_bases': {
    async up(db: Kysely<unknown>) {
      // Until now an empty server_data meant "data is the server's state"; it now means "data with
      // the bases put back" (serverCopyOf). Rows that had both an empty server_data and bases keep
      // their meaning by holding the server's state explicitly.
      await sql`update records set server_data = data
        where server_data is null and version > 0 and exists (select 1 from bases where bases.entity = records.entity and bases.record_id = records.id)`.execute(db);
    },
  },
  '0008_bases_without_rowid': {
    async up(db: Kysely<unknown>) {
      // Keyed by its primary key alone: a rowid table kept the key in a second b-tree, and a work
      // order's first edit wrote a page of each (~1 of its 7.5 WAL frames).
      await sql`create table bases_by_key (entity text not null, record_id text not null, field text not null, value text not null,
        constraint bases_pk primary key (entity, record_id, field)) without rowid`.execute(db);
      await sql`insert into bases_by_key (entity, record_id, field, value) select entity, record_id, field, value from bases`.execute(db);
      await sql`drop table bases`.execute(db);
      await sql`alter table bases_by_key rename to bases`.execute(db);
    },
  },
  '0009_sync_error_messages': {
    async up(db: Kysely<unknown>) {
      // The sync health screen shows what went wrong in words, not only its code. Older cycles keep
      // their code alone.
      await db.schema.alterTable('sync_metrics').addColumn('error_message', 'text').execute();
    },
  },
  '0010_refused_changes': {
    async up(db: Kysely<unknown>) {
      // A change the server refuses stays queued as `refused` (OutboxTable.state) with the id of the
      // escalation the server keeps of it for the site's supervisors.
      await db.schema.alterTable('outbox').addColumn('escalation_id', 'text').execute();
    },
  },
  '0011_selection_resync': {
    async up(db: Kysely<unknown>) {
      // The records a full sync after a change of what is kept offline has brought so far
      // (selection-resync.ts); those it did not bring leave at its end. Kept on disk so a sync
      // interrupted between pages resumes the count.
      await sql`create table resync_seen (entity text not null, id text not null, constraint resync_seen_pk primary key (entity, id)) without rowid`.execute(db);
    },
  },
  '0012_acknowledged_journal': {
    async up(db: Kysely<unknown>) {
      // The changes the server acknowledged, as sent (acknowledged-journal.ts): sent again if the
      // server is restored from a backup that predates them. In acknowledgement order (seq).
      await sql`create table acknowledged_ops (seq integer primary key, op_id text not null, acknowledged_at text not null, wire text not null)`.execute(db);
    },
  },
  '0013_note_drafts': {
    async up(db: Kysely<unknown>) {
      // Notes as they are typed, before they are sent (note-drafts.ts): a technician who leaves the
      // page or closes the laptop finds them again.
      await sql`create table note_drafts (work_order_id text not null, field text not null, text text not null, saved_at text not null,
        constraint note_drafts_pk primary key (work_order_id, field)) without rowid`.execute(db);
    },
  },
};

/** Migrates to the latest schema; `upTo` stops at a named migration (a test of an upgrade starts from there). */
export async function migrateClientStore<DB>(db: Kysely<DB>, upTo?: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({ db, provider });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`local database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
}
