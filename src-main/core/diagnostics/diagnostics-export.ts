import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorEnvelopeSchema } from '../../../src-shared/protocol/errors';
import type { Settings } from '../../../src-shared/settings/settings-schema';
import type { SyncStatus } from '../../../src-shared/sync/sync-status';
import type { ClientDb } from '../store/client-schema';
import { syncHealth } from './sync-health';

export interface DiagnosticsSources {
  profileDir: string;
  versions: Record<string, string>;
  settings: Settings;
  status: SyncStatus | null;
  db: ClientDb | null;
  now: Date;
}

const logTailBytes = 256 * 1024;

export function logFileOf(profileDir: string): string {
  return join(profileDir, 'logs', 'fieldline.log');
}

/**
 * A file a technician can send to IT: versions, device settings, sync status and metrics, the
 * outbox's shape, and the tail of the log. No secret and no record content: outbox entries carry ids,
 * kinds, states and error codes, not their summaries or values.
 */
export async function exportDiagnostics(sources: DiagnosticsSources): Promise<{ fileName: string; savedTo: string; content: string }> {
  const { db } = sources;
  const outbox = db
    ? (await db.selectFrom('outbox').select(['op_id', 'entity', 'record_id', 'kind', 'priority', 'state', 'attempts', 'last_error', 'created_at']).orderBy('seq').limit(5000).execute()).map((op) => ({
        opId: op.op_id,
        entity: op.entity,
        recordId: op.record_id,
        kind: op.kind,
        priority: op.priority,
        state: op.state,
        attempts: op.attempts,
        lastErrorCode: op.last_error ? (errorEnvelopeSchema.safeParse(JSON.parse(op.last_error)).data?.code ?? 'unknown') : null,
        queuedAt: op.created_at,
      }))
    : [];
  const metrics = db ? await db.selectFrom('sync_metrics').selectAll().orderBy('id', 'desc').limit(500).execute() : [];
  const logFile = logFileOf(sources.profileDir);
  let log = '';
  if (existsSync(logFile)) {
    const text = readFileSync(logFile);
    log = text.subarray(Math.max(0, text.length - logTailBytes)).toString('utf8');
  }
  const { session, ...deviceSettings } = sources.settings;
  const report = {
    generatedAt: sources.now.toISOString(),
    versions: sources.versions,
    platform: { os: process.platform, arch: process.arch },
    settings: { ...deviceSettings, signedIn: session ? { username: session.username, role: session.role, serverUrl: session.serverUrl, storeName: session.storeName } : null },
    status: sources.status,
    health: db ? await syncHealth(db) : null,
    outbox,
    metrics,
    log: log.split('\n').filter((line) => line.length > 0),
  };
  const content = `${JSON.stringify(report, null, 2)}\n`;
  const fileName = `fieldline-diagnostics-${sources.now.toISOString().replace(/[:.]/g, '-')}.json`;
  const dir = join(sources.profileDir, 'diagnostics');
  mkdirSync(dir, { recursive: true });
  const savedTo = join(dir, fileName);
  writeFileSync(savedTo, content);
  return { fileName, savedTo, content };
}
