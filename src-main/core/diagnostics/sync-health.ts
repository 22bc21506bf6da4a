import type { SyncHealth } from '../../../src-shared/ipc/ipc-views';
import type { ClientDb } from '../store/client-schema';
import { z } from 'zod';

const conflictCountsSchema = z.record(z.string(), z.number().int());

/** The sync health screen: the last `window` cycles' metrics as the device recorded them. */
export async function syncHealth(db: ClientDb, window = 200): Promise<SyncHealth> {
  const rows = await db.selectFrom('sync_metrics').selectAll().orderBy('id', 'desc').limit(window).execute();
  rows.reverse();
  const conflictsByKind: Record<string, number> = {};
  for (const row of rows) {
    const counts = conflictCountsSchema.safeParse(JSON.parse(row.conflicts));
    if (!counts.success) continue;
    for (const [kind, n] of Object.entries(counts.data)) conflictsByKind[kind] = (conflictsByKind[kind] ?? 0) + n;
  }
  const ok = rows.filter((r) => r.ok === 1);
  return {
    cycles: rows.length,
    successRate: rows.length === 0 ? null : ok.length / rows.length,
    averageDurationMs: ok.length === 0 ? null : Math.round(ok.reduce((sum, r) => sum + r.duration_ms, 0) / ok.length),
    bytesSent: rows.reduce((sum, r) => sum + r.bytes_sent, 0),
    bytesReceived: rows.reduce((sum, r) => sum + r.bytes_received, 0),
    conflictsByKind,
    queueDepth: rows.map((r) => ({ at: r.started_at, depth: r.queue_depth })),
    recentErrors: rows
      .filter((r) => r.error !== null)
      .slice(-10)
      .map((r) => ({ at: r.started_at, code: r.error ?? '', message: r.error_message })),
  };
}
