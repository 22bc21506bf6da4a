import type { Generated, Kysely, Transaction } from 'kysely';

/**
 * A synced record on the device: the local view (`data`: server state plus pending local values),
 * the last server state where `data` and the bases do not give it back (`server_data`, for discard
 * and side-by-side views; see serverCopyOf and serverCopyToKeep), and the columns the work-order
 * list filters on.
 */
export interface LocalRecordsTable {
  entity: string;
  id: string;
  /** The server version of the last server state; 0 for a record created here and not yet synced. */
  version: number;
  data: string;
  server_data: string | null;
  sync_state: 'synced' | 'queued' | 'syncing' | 'conflict' | 'failed';
  site_id: string | null;
  status: string | null;
  priority: string | null;
  assigned_to: string | null;
  scheduled_end: string | null;
  work_order_id: string | null;
  search_text: string | null;
  /** Deleted here, the delete not yet acknowledged: hidden from lists, kept for discard. */
  pending_delete: number;
  updated_at: string;
}

/** The outbox (docs/architecture.md, The sync model). Values only: bases live in `bases` and are read when the op is sent. */
export interface OutboxTable {
  seq: Generated<number>;
  op_id: string;
  entity: string;
  record_id: string;
  kind: 'create' | 'update' | 'delete';
  base_version: number;
  field_values: string;
  priority: number;
  /**
   * pending: to send; in-flight: sent, not answered; failed: gave up after its attempts (a person
   * retries); conflict: waits for a decision; refused: the server refused it and keeps it as an
   * escalation for the site's supervisors (`escalation_id`). Failed and refused ops are kept, with
   * their values, until a person retries or discards them or a supervisor's decision settles them.
   */
  state: 'pending' | 'in-flight' | 'failed' | 'conflict' | 'refused';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  summary: string;
  depends_on: string;
  /** A server conflict this op settles (a person's decision on the device). */
  resolves: string | null;
  /** The server's `refused` conflict that holds this op's values for the site's supervisors. */
  escalation_id: string | null;
  created_at: string;
  client_time: string;
}

/** The last server-acknowledged value of each field with a pending change (docs/architecture.md, The sync model). */
export interface BasesTable {
  entity: string;
  record_id: string;
  field: string;
  value: string;
}

export interface LocalConflictsTable {
  id: string;
  entity: string;
  record_id: string;
  kind: string;
  fields: string;
  status: 'open' | 'auto-resolved' | 'resolved';
  origin: 'push' | 'pull';
  server_conflict_id: string | null;
  created_at: string;
  resolved_at: string | null;
  resolution: string | null;
}

export interface SyncStateTable {
  key: string;
  value: string;
}

export interface SyncMetricsTable {
  id: Generated<number>;
  started_at: string;
  duration_ms: number;
  ok: number;
  trigger: string;
  pushed: number;
  pulled: number;
  bytes_sent: number;
  bytes_received: number;
  conflicts: string;
  queue_depth: number;
  /** The failed cycle's error code, and its message (null on cycles recorded before the message was kept). */
  error: string | null;
  error_message: string | null;
}

/** Things the user must be told that are not conflicts: a record removed because access ended. */
export interface NoticesTable {
  id: string;
  created_at: string;
  message: string;
  entity: string | null;
  record_id: string | null;
  read: number;
}

/**
 * The bytes side of an attachment (its metadata is an `attachment` record). Files are encrypted
 * under the profile's attachments dir, each with its own AES-256-GCM key kept here, inside the
 * encrypted database. `content_key` is null until the full file is on this device.
 */
export interface AttachmentFilesTable {
  attachment_id: string;
  work_order_id: string;
  content_key: string | null;
  thumbnail_key: string | null;
  /** none: not fetched yet; cached: here; unavailable: the server has none (a document). */
  thumbnail_state: 'none' | 'cached' | 'unavailable';
  /** none: another device's file; waiting/uploading: ours, not on the server yet. */
  upload_state: 'none' | 'waiting' | 'uploading' | 'done' | 'failed';
  /** The tus upload's address once created: a restart resumes there. */
  upload_url: string | null;
  size: number;
  /** What the server confirmed holding. */
  uploaded_bytes: number;
  /** Every byte this device sent for the file, resends included. */
  bytes_sent: number;
  priority: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
}

/** A record brought by the full sync that follows a change of what is kept offline (selection-resync.ts). */
export interface ResyncSeenTable {
  entity: string;
  id: string;
}

/** A change the server acknowledged, as it was sent (a PushOp as JSON), kept for a restore (acknowledged-journal.ts). */
export interface AcknowledgedOpsTable {
  seq: Generated<number>;
  op_id: string;
  acknowledged_at: string;
  wire: string;
}

/** A note as typed and not yet sent (note-drafts.ts). */
export interface NoteDraftsTable {
  work_order_id: string;
  field: string;
  text: string;
  saved_at: string;
}

export interface ClientDatabase {
  records: LocalRecordsTable;
  outbox: OutboxTable;
  bases: BasesTable;
  conflicts: LocalConflictsTable;
  sync_state: SyncStateTable;
  sync_metrics: SyncMetricsTable;
  notices: NoticesTable;
  attachment_files: AttachmentFilesTable;
  resync_seen: ResyncSeenTable;
  acknowledged_ops: AcknowledgedOpsTable;
  note_drafts: NoteDraftsTable;
}

export type ClientDb = Kysely<ClientDatabase>;
/** A transaction on the store: what a change that must land whole is written in. */
export type ClientTrx = Transaction<ClientDatabase>;
