import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import type { EntityName } from '../../../src-shared/domain/entity-registry';
import type { RecordHistory } from '../../../src-shared/protocol/history';
import type { Conflict, ResolveConflictRequest } from '../../../src-shared/protocol/conflicts';
import type { CacheCleared } from '../../../src-shared/sync/cache-clear';
import type { SyncStatus } from '../../../src-shared/sync/sync-status';
import type { SyncResult, SyncTrigger } from '../../../src-shared/sync/sync-cycle';

/**
 * The background sync worker as the rest of the core sees it. SyncEngine runs it on the calling
 * thread (CLI, tests, bench); SyncWorkerHost runs the same engine in a worker thread so the
 * thread that answers IPC never waits for a large sync. Every call that needs the server's
 * tokens goes through here, so one AuthSession owns the refresh token.
 */
export interface SyncRunner {
  start(): void;
  stop(): Promise<void>;
  sync(trigger: SyncTrigger): Promise<SyncResult>;
  status(): SyncStatus;
  onStatus(listener: (status: SyncStatus) => void): () => void;
  /** Counts for the badge after a change made outside the worker. */
  refreshCounts(): Promise<SyncStatus>;
  /**
   * The same user signed in again after the sign-in had expired or been revoked: the new refresh
   * token is in the keychain; a running worker syncs at once.
   */
  signedInAgain(): void;
  /** A local write happened; priority 1–2 goes out at once. */
  onLocalChange(priority: number): void;
  serverConflicts(query: { siteId?: string; status?: string }): Promise<Conflict[]>;
  /** Who changed what on a record, from the server (it needs a connection). */
  recordHistory(entity: EntityName, id: string): Promise<RecordHistory>;
  resolveServerConflict(id: string, decision: ResolveConflictRequest): Promise<Conflict>;
  /** Downloads an attachment's full file into the encrypted cache. */
  fetchAttachment(attachmentId: string, variant: AttachmentVariant): Promise<void>;
  /** Resolves when no attachment upload runs. */
  uploadsIdle(): Promise<void>;
  /** Drops the downloaded data (queued changes stay) between cycles; a full sync follows at once. */
  clearCache(): Promise<CacheCleared>;
}
