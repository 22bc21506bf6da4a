import type { EntityName } from '../../../src-shared/domain/entity-registry';
import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import type { ErrorEnvelope } from '../../../src-shared/protocol/errors';
import type { SyncTrigger } from '../../../src-shared/sync/sync-cycle';
import type { LoadedPolicy } from '../settings/policy-file';

/**
 * Messages between the main thread and the sync worker thread. Both ends are this codebase, in
 * one process; what crosses is plain data (structured clone), never a function.
 */
export interface SyncWorkerInit {
  profileDir: string;
  serverUrl: string;
  databaseFile: string;
  /** The store's key, handed over in memory (it never touches disk). */
  databaseKey: string;
  refreshTokenAccount: string;
  accessToken: string | null;
  logLevel: string;
  attachmentsDir: string;
  /** IT's policy as the main thread loaded it: the worker honours it too (interval, uploads). */
  policy: LoadedPolicy | null;
  sync: { maxOpsPerBatch?: number; maxBytesPerBatch?: number; pageSize?: number };
}

/** What the host passed as workerData: the worker checks it before trusting a key or a path in it. */
export function isSyncWorkerInit(value: unknown): value is SyncWorkerInit {
  if (typeof value !== 'object' || value === null) return false;
  const fields = new Map<string, unknown>(Object.entries(value));
  const text = (key: string) => typeof fields.get(key) === 'string';
  return ['profileDir', 'serverUrl', 'databaseFile', 'databaseKey', 'refreshTokenAccount', 'logLevel', 'attachmentsDir'].every(text) && fields.has('sync') && fields.has('policy');
}

export type SyncWorkerCall =
  | { method: 'start' }
  | { method: 'stop' }
  | { method: 'sync'; trigger: SyncTrigger }
  | { method: 'refreshCounts' }
  | { method: 'localChange'; priority: number }
  | { method: 'signedInAgain' }
  | { method: 'serverConflicts'; query: { siteId?: string; status?: string } }
  | { method: 'recordHistory'; entity: EntityName; id: string }
  | { method: 'resolveServerConflict'; id: string; decision: unknown }
  | { method: 'fetchAttachment'; attachmentId: string; variant: AttachmentVariant }
  | { method: 'uploadsIdle' }
  | { method: 'clearCache' };

export type ToWorker =
  | { type: 'call'; id: number; call: SyncWorkerCall }
  | { type: 'secret-reply'; id: number; ok: true; value: string | boolean | null }
  | { type: 'secret-reply'; id: number; ok: false; message: string };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'init-failed'; error: ErrorEnvelope }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: ErrorEnvelope }
  | { type: 'status'; status: unknown }
  | { type: 'secret'; id: number; op: 'get' | 'delete'; account: string }
  | { type: 'secret'; id: number; op: 'set'; account: string; secret: string };
