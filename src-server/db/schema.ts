import type { Kysely } from 'kysely';

/** Key/value facts about this database: its identity, the work-order counter, the log's floor. */
export interface MetaTable {
  key: string;
  value: string;
}

export interface CredentialsTable {
  user_id: string;
  username: string;
  password_hash: string;
  /** Set while an admin has the account disabled: no sign-in, no token works. */
  disabled_at: string | null;
}

/**
 * Every synced record, as a JSON document plus the columns scope and dedup query. One table for all
 * entities keeps the change log, scope and conflict code entity-agnostic; the zod schemas in
 * src-shared are the record's shape.
 */
export interface RecordsTable {
  entity: string;
  id: string;
  version: number;
  /** Canonical JSON of the record; kept on delete for the audit trail. */
  data: string;
  deleted: number;
  site_id: string | null;
  assigned_to: string | null;
  created_by: string | null;
  status: string | null;
  asset_id: string | null;
  work_order_id: string | null;
  natural_key: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * The change log pull pages through. `seq` is allocated at the end of the writing transaction from
 * change_head, whose row lock is held until commit, so seq order is commit order and a reader that
 * sees head H sees every change ≤ H. The scope columns are the record's at the time of the change,
 * with the previous values, so a device that lost the record from its scope is told to remove it.
 */
export interface ChangesTable {
  seq: number;
  entity: string;
  record_id: string;
  op: 'upsert' | 'delete';
  version: number;
  site_id: string | null;
  assigned_to: string | null;
  created_by: string | null;
  prev_site_id: string | null;
  prev_assigned_to: string | null;
  committed_at: string;
}

/** One row. Its lock, taken at the tail of every writing transaction, orders commits. */
export interface ChangeHeadTable {
  id: number;
  seq: number;
  /** Human work-order numbers come from the same tail so they never hold a lock for longer. */
  work_order_number: number;
}

/** The recorded result of every op, by opId: what makes push exactly-once. */
export interface AppliedOpsTable {
  op_id: string;
  device_id: string;
  user_id: string;
  result: string;
  created_at: string;
}

export interface ConflictsTable {
  id: string;
  entity: string;
  record_id: string;
  kind: string;
  status: string;
  fields: string;
  op_id: string;
  device_id: string;
  user_id: string;
  site_id: string | null;
  survivor_id: string | null;
  client_version: number;
  server_version: number;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
  /** A `refused` conflict's refusalSchema as JSON; null for the other kinds. */
  refusal: string | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  family_id: string;
  user_id: string;
  expires_at: string;
  used_at: string | null;
  /** Hash of the token issued in exchange: lets a device whose answer was lost retry once. */
  replaced_by: string | null;
  revoked_at: string | null;
  created_at: string;
  /** When a lost answer was given again: once only. */
  resent_at: string | null;
  /** The laptop this sign-in is on (devices.device_id); null for sign-ins of older clients. */
  device_id: string | null;
  /** Why the sign-in ended: what the device is told (revokedReasons). */
  revoked_reason: RevokedReason | null;
}

/** Why a sign-in ended: signed out, a refresh token used twice, its account disabled, its laptop revoked. */
export type RevokedReason = 'signed-out' | 'reused' | 'account-disabled' | 'device-revoked';

/** A laptop (or phone) that signed in: its human name, who used it last, and whether IT revoked it. */
export interface DevicesTable {
  device_id: string;
  name: string;
  user_id: string;
  first_seen_at: string;
  last_seen_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
  /** When a revoked device last handed over its unsent work (as refused changes for the supervisors). */
  handed_over_at: string | null;
}

export interface ExternalIdsTable {
  entity: string;
  external_id: string;
  record_id: string;
}

/** A credential of an ERP or CMMS: only its hash is kept; revoking it ends its access at once. */
export interface IntegrationTokensTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Who changed what through administration, import or integration: the record's history says what, this says who and why. */
export interface AuditLogTable {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: string;
}

/** Sign-in attempts in the current window, per account or address (sign-in-limits.ts). */
export interface SignInAttemptsTable {
  key: string;
  attempts: number;
  /** When the window (or the wait) ends, ms since the epoch. */
  reset_at: number;
}

/** The lock on an upload while one request writes it: a lease its holder renews, so a crashed instance's lapses. */
export interface UploadLocksTable {
  upload_id: string;
  holder: string;
  /** ms since the epoch. */
  expires_at: number;
  /** Another request (on any instance) wants the upload: the holder lets go. */
  release_requested: number;
}

/** One version of a record: who made it (a user, from a device or not), when, and which fields it changed. */
export interface RecordHistoryTable {
  entity: string;
  record_id: string;
  version: number;
  changed_at: string;
  /** Null for the server's own writes (stock taken, a file marked uploaded). */
  user_id: string | null;
  device_id: string | null;
  /** The top-level fields this version changed, as a JSON list; ["*"] for a create or a delete. */
  fields: string;
  /** The change-log seq of this version. */
  seq: number;
  /** The values this version wrote, as a JSON object: the changed fields, or the whole record for a create (null for a delete). */
  field_values: string;
}

/** A WatermelonDB device's pulls: the timestamp it was given, and the one it pulled from. */
export interface WatermelonPullsTable {
  device_key: string;
  timestamp: number;
  previous: number | null;
  pulled_at: string;
}

export interface ServerDatabase {
  meta: MetaTable;
  credentials: CredentialsTable;
  records: RecordsTable;
  changes: ChangesTable;
  change_head: ChangeHeadTable;
  applied_ops: AppliedOpsTable;
  conflicts: ConflictsTable;
  refresh_tokens: RefreshTokensTable;
  sign_in_attempts: SignInAttemptsTable;
  devices: DevicesTable;
  external_ids: ExternalIdsTable;
  integration_tokens: IntegrationTokensTable;
  audit_log: AuditLogTable;
  upload_locks: UploadLocksTable;
  record_history: RecordHistoryTable;
  watermelon_pulls: WatermelonPullsTable;
}

export type ServerDb = Kysely<ServerDatabase>;
export type DialectName = 'sqlite' | 'postgres';
