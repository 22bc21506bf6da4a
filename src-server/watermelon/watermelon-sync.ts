import { createHash } from 'node:crypto';
import { z } from 'zod';
import { entityNameSchema, type EntityName } from '../../src-shared/domain/entity-registry';
import type { JsonRecord, Patch } from '../../src-shared/merge/merge-patch';
import { recordDataSchema, type PushOp, type PushResponse } from '../../src-shared/protocol/push';
import { opPriority } from '../../src-shared/sync/op-priority';
import { deviceColumns, entityOfWatermelonTable, fieldFromColumn, toRaw, watermelonTables, type RawRecord } from '../../src-shared/watermelon/tables';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { ServerDb } from '../db/schema';
import { encodeCursor } from '../sync/cursor';
import { tipAt } from '../sync/history-check';
import type { PullService } from '../sync/pull-service';
import type { PushService } from '../sync/push-service';
import type { Principal } from '../sync/scope';

/** WatermelonDB's changes: per table, raw records created and updated, ids deleted. */
export const watermelonChangesSchema = z.record(
  z.string(),
  z.strictObject({
    created: z.array(z.record(z.string(), z.unknown())).default([]),
    updated: z.array(z.record(z.string(), z.unknown())).default([]),
    deleted: z.array(z.string()).default([]),
  }),
);
export type WatermelonChanges = z.infer<typeof watermelonChangesSchema>;

/** Pulled in pages of this many; a phone's scope is a few hundred records. */
const pageSize = 5000;

/**
 * The WatermelonDB sync protocol (docs/mobile.md) over the same change log, scope rules, ledger and
 * per-field policies as the desktop's. Its `timestamp` is the change log's position (seq), so a
 * device's `lastPulledAt` says exactly what it has seen.
 */
export class WatermelonSync {
  constructor(
    private readonly deps: { db: ServerDb; clock: Clock; serverId: string; pull: PullService; push: PushService },
  ) {}

  /** Every change in the device's scope after `lastPulledAt` (everything, for null), as WatermelonDB's changes. */
  async pullChanges(principal: Principal, deviceKey: string, lastPulledAt: number | null): Promise<{ changes: { [table: string]: { created: RawRecord[]; updated: RawRecord[]; deleted: string[] } }; timestamp: number }> {
    const { db, serverId, pull } = this.deps;
    const changes: { [table: string]: { created: RawRecord[]; updated: RawRecord[]; deleted: string[] } } = {};
    for (const table of Object.values(watermelonTables)) changes[table] = { created: [], updated: [], deleted: [] };
    let cursor = lastPulledAt ? encodeCursor({ v: 1, db: serverId, seq: lastPulledAt, ...(await tipOf(db, lastPulledAt)) }) : undefined;
    let timestamp = lastPulledAt ?? 0;
    for (;;) {
      const page = await pull.pull(principal, { limit: pageSize, ...(cursor ? { cursor } : {}) });
      for (const change of page.changes) {
        const entity = entityNameSchema.parse(change.entity);
        const bucket = changes[watermelonTables[entity]];
        if (!bucket) continue;
        if (change.op === 'upsert') {
          const raw = toRaw(entity, recordDataSchema.parse(JSON.parse(change.data)), change.version);
          // A first pull creates; later ones update (WatermelonDB creates a record it does not hold).
          (lastPulledAt ? bucket.updated : bucket.created).push(raw);
        } else bucket.deleted.push(change.id);
      }
      cursor = page.cursor;
      timestamp = page.server.head;
      if (!page.hasMore) break;
    }
    await db
      .insertInto('watermelon_pulls')
      .values({ device_key: deviceKey, timestamp, previous: lastPulledAt, pulled_at: isoAt(this.deps.clock) })
      .onConflict((oc) => oc.columns(['device_key', 'timestamp']).doNothing())
      .execute();
    return { changes, timestamp };
  }

  /**
   * A WatermelonDB push as ops of the desktop protocol: each record's changed columns (`_changed`)
   * become a patch whose base is the record as the device had it when it made the change — the
   * server's version as of the pull before `lastPulledAt` (WatermelonDB keeps local columns over
   * the pull that comes just before its push, so that pull is not the device's base). The same
   * push sent again makes the same op ids: applied once.
   */
  async pushChanges(principal: Principal, deviceKey: string, lastPulledAt: number, changes: WatermelonChanges): Promise<PushResponse> {
    const { db } = this.deps;
    const seen = await db.selectFrom('watermelon_pulls').select('previous').where('device_key', '=', deviceKey).where('timestamp', '=', lastPulledAt).executeTakeFirst();
    const baseSeq = seen?.previous ?? lastPulledAt;
    const ops: PushOp[] = [];
    for (const [table, tableChanges] of Object.entries(changes)) {
      const entity = entityOfWatermelonTable(table);
      if (!entity) throw new FieldlineError('VALIDATION_ERROR', `No table ${table}: the tables are ${Object.values(watermelonTables).join(', ')}`, { field: table });
      for (const raw of tableChanges.created) ops.push(this.createOp(entity, raw, deviceKey, lastPulledAt));
      for (const raw of tableChanges.updated) ops.push(await this.updateOp(entity, raw, deviceKey, lastPulledAt, baseSeq));
      for (const id of tableChanges.deleted) ops.push(await this.deleteOp(entity, id, deviceKey, lastPulledAt, baseSeq));
    }
    if (ops.length === 0) return { results: [], server: { id: this.deps.serverId, head: lastPulledAt } };
    return this.deps.push.push(principal, { deviceId: deviceIdOf(deviceKey), ops, answers: 'records' });
  }

  private createOp(entity: EntityName, raw: Record<string, unknown>, deviceKey: string, lastPulledAt: number): PushOp {
    const id = idOf(raw);
    const values = valuesOf(entity, raw, deviceColumns(entity));
    const patch: Patch = Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { base: null, value }]));
    return op(entity, id, 'create', patch, 0, deviceKey, lastPulledAt, raw);
  }

  private async updateOp(entity: EntityName, raw: Record<string, unknown>, deviceKey: string, lastPulledAt: number, baseSeq: number): Promise<PushOp> {
    const id = idOf(raw);
    const changed = typeof raw._changed === 'string' && raw._changed.length > 0 ? raw._changed.split(',') : deviceColumns(entity);
    const values = valuesOf(entity, raw, changed.filter((column) => deviceColumns(entity).includes(column)));
    const base = await this.recordAt(entity, id, baseSeq, deviceKey);
    const patch: Patch = Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { base: base.data[field] ?? null, value }]));
    return op(entity, id, 'update', patch, base.version, deviceKey, lastPulledAt, raw);
  }

  private async deleteOp(entity: EntityName, id: string, deviceKey: string, lastPulledAt: number, baseSeq: number): Promise<PushOp> {
    const base = await this.recordAt(entity, id, baseSeq, deviceKey);
    return op(entity, id, 'delete', {}, base.version, deviceKey, lastPulledAt, { id, deleted: true });
  }

  /**
   * A record as the device knew it, rebuilt from its history (each version's values): as of the
   * change-log position, or as the device itself last wrote it, whichever is later.
   */
  private async recordAt(entity: EntityName, id: string, seq: number, deviceKey: string): Promise<{ version: number; data: JsonRecord }> {
    const rows = await this.deps.db
      .selectFrom('record_history')
      .select(['version', 'field_values', 'seq', 'device_id'])
      .where('entity', '=', entity)
      .where('record_id', '=', id)
      .orderBy('version')
      .execute();
    const mine = deviceIdOf(deviceKey);
    const known = Math.max(0, ...rows.filter((row) => Number(row.seq) <= seq || row.device_id === mine).map((row) => row.version));
    let data: JsonRecord = {};
    for (const row of rows.filter((r) => r.version <= known)) {
      const values: unknown = JSON.parse(row.field_values);
      data = values === null ? {} : { ...data, ...recordDataSchema.parse(values) };
    }
    return { version: known, data };
  }
}

/** The device id a WatermelonDB device's ops are recorded under (history, conflicts, the ledger). */
function deviceIdOf(deviceKey: string): string {
  return `watermelon:${deviceKey}`;
}

async function tipOf(db: ServerDb, seq: number): Promise<{ tip?: string }> {
  const tip = await tipAt(db, seq);
  return tip ? { tip } : {};
}

function idOf(raw: Record<string, unknown>): string {
  if (typeof raw.id !== 'string') throw new FieldlineError('VALIDATION_ERROR', 'A WatermelonDB record needs its id', { field: 'id' });
  return raw.id;
}

/** The fields of the given columns of a raw record; a bad column refuses the push, naming it. */
function valuesOf(entity: EntityName, raw: Record<string, unknown>, columns: readonly string[]): JsonRecord {
  const values: JsonRecord = {};
  for (const column of columns) {
    if (!(column in raw)) continue;
    const read = fieldFromColumn(entity, column, raw[column]);
    if ('error' in read) throw new FieldlineError('VALIDATION_ERROR', `${watermelonTables[entity]} ${String(raw.id)}: ${read.error}`, { field: column });
    values[read.field] = read.value;
  }
  return values;
}

/** An op whose id is the same every time the same push is sent: a retry after a lost answer is a replay. */
function op(entity: EntityName, id: string, kind: PushOp['kind'], patch: Patch, baseVersion: number, deviceKey: string, lastPulledAt: number, raw: Record<string, unknown>): PushOp {
  const digest = createHash('sha256')
    .update(JSON.stringify([deviceKey, lastPulledAt, entity, id, kind, canonical(raw)]))
    .digest('hex');
  const opId = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-8${digest.slice(13, 16)}-${((parseInt(digest.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  const values = Object.fromEntries(Object.entries(patch).map(([field, change]) => [field, change.value]));
  return { opId, entity, id, kind, patch, baseVersion, priority: opPriority(entity, kind, values) };
}

function canonical(raw: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(raw).sort().map((key) => [key, raw[key]]));
}

