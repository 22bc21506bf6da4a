import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import type { EntityName } from '../../src-shared/domain/entity-registry';
import type { Json } from '../../src-shared/domain/json';
import { pullResponseSchema, type Change, type PullResponse } from '../../src-shared/protocol/pull';
import { pushResponseSchema, type PushOp, type PushRequest, type PushResponse } from '../../src-shared/protocol/push';
import { api } from './test-server';

export function makeOp(entity: EntityName, id: string, kind: PushOp['kind'], patch: Record<string, { base: Json; value: Json }>, baseVersion: number, priority = 5): PushOp {
  return { opId: uuidv7(), entity, id, kind, patch, baseVersion, priority };
}

/** Pushes as a device that predates `as-sent` answers unless `answers` says otherwise. */
export async function push(url: string, token: string, ops: PushOp[], deviceId = 'device-a', answers?: PushRequest['answers']): Promise<PushResponse> {
  const response = await api(url, '/api/v1/sync/push', { token, body: { deviceId, ops, ...(answers ? { answers } : {}) } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return pushResponseSchema.parse(response.body);
}

export async function pullPage(url: string, token: string, cursor?: string, extra = ''): Promise<PullResponse> {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}${extra}` : `?limit=1000${extra}`;
  const response = await api(url, `/api/v1/sync/pull${query}`, { token });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return pullResponseSchema.parse(response.body);
}

/** Pulls until the server says there is no more; returns every change in order and the last cursor. */
export async function pullAll(url: string, token: string, cursor?: string, limit = 1000): Promise<{ changes: Change[]; cursor: string; pages: number }> {
  const changes: Change[] = [];
  let current = cursor;
  let pages = 0;
  for (;;) {
    const query = `?limit=${limit}${current ? `&cursor=${encodeURIComponent(current)}` : ''}`;
    const response = await api(url, `/api/v1/sync/pull${query}`, { token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const page = pullResponseSchema.parse(response.body);
    pages++;
    changes.push(...page.changes);
    current = page.cursor;
    if (!page.hasMore) return { changes, cursor: page.cursor, pages };
  }
}

/** The state a device would hold after applying these changes in order. */
export function replica(changes: readonly Change[]): Map<string, Change> {
  const records = new Map<string, Change>();
  for (const change of changes) {
    if (change.op === 'upsert') {
      const known = records.get(change.id);
      if (!known || known.version <= change.version) records.set(change.id, change);
    } else records.delete(change.id);
  }
  return records;
}
