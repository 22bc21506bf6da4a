import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { loginRequestSchema, refreshRequestSchema } from '../../src-shared/protocol/auth';
import { pushRequestSchema } from '../../src-shared/protocol/push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { errorEnvelopeSchema } from '../../src-shared/protocol/errors';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { dialects } from '../support/test-database';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { makeOp, push } from '../support/sync-helpers';

describe.each(dialects)('bad input on %s', (dialect) => {
  let t: TestServer;
  let token: string;
  let snapshot: () => Promise<string>;
  beforeAll(async () => {
    t = await startTestServer(dialect, { workOrders: 20 });
    token = (await t.login('super1')).accessToken;
    snapshot = async () => {
      const records = await t.server.db.selectFrom('records').select(['id', 'version']).orderBy('id').execute();
      const head = await t.server.db.selectFrom('change_head').selectAll().execute();
      return JSON.stringify({ records, head });
    };
  });
  afterAll(async () => t.stop());

  const workOrderId = async () => (await t.server.db.selectFrom('records').select('id').where('entity', '=', 'workOrder').executeTakeFirstOrThrow()).id;

  const cases: [string, () => Promise<{ status: number; body: unknown }>, number, string][] = [
    ['malformed JSON', () => api(t.url, '/api/v1/sync/push', { token, rawBody: '{"deviceId": "d", "ops": [' }), 400, 'VALIDATION_ERROR'],
    ['empty body', () => api(t.url, '/api/v1/sync/push', { token, rawBody: '' }), 400, 'VALIDATION_ERROR'],
    ['unknown entity', async () => api(t.url, '/api/v1/sync/push', { token, body: { deviceId: 'd', ops: [{ ...makeOp('workOrder', await workOrderId(), 'update', {}, 1), entity: 'invoice' }] } }), 400, 'VALIDATION_ERROR'],
    ['unknown field', async () => api(t.url, '/api/v1/sync/push', { token, body: { deviceId: 'd', ops: [makeOp('workOrder', await workOrderId(), 'update', { colour: { base: null, value: 'red' } }, 1)] } }), 400, 'VALIDATION_ERROR'],
    ['server-owned field', async () => api(t.url, '/api/v1/sync/push', { token, body: { deviceId: 'd', ops: [makeOp('workOrder', await workOrderId(), 'update', { number: { base: null, value: 'WO-1' } }, 1)] } }), 400, 'VALIDATION_ERROR'],
    ['wrong type', async () => api(t.url, '/api/v1/sync/push', { token, body: { deviceId: 'd', ops: [makeOp('workOrder', await workOrderId(), 'update', { tasks: { base: [], value: 'all done' } }, 1)] } }), 400, 'VALIDATION_ERROR'],
    ['wrong type of the envelope', () => api(t.url, '/api/v1/sync/push', { token, body: { deviceId: 42, ops: 'many' } }), 400, 'VALIDATION_ERROR'],
    ['huge string', async () => api(t.url, '/api/v1/sync/push', { token, body: { deviceId: 'd', ops: [makeOp('workOrder', await workOrderId(), 'update', { title: { base: null, value: 'x'.repeat(2_000_000) } }, 1)] } }), 400, 'VALIDATION_ERROR'],
    ['oversized body', () => api(t.url, '/api/v1/sync/push', { token, rawBody: JSON.stringify({ deviceId: 'd', pad: 'x'.repeat(9 * 1024 * 1024) }) }), 413, 'PAYLOAD_TOO_LARGE'],
    ['gzip bomb', () => api(t.url, '/api/v1/sync/push', { token, rawBody: gzipSync(Buffer.from(JSON.stringify({ deviceId: 'd', pad: ' '.repeat(20 * 1024 * 1024) }))), headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } }), 413, 'PAYLOAD_TOO_LARGE'],
    ['bad pull limit', () => api(t.url, '/api/v1/sync/pull?limit=abc', { token }), 400, 'VALIDATION_ERROR'],
    ['unknown pull parameter', () => api(t.url, '/api/v1/sync/pull?since=2025-01-01', { token }), 400, 'VALIDATION_ERROR'],
    ['bad conflict id', () => api(t.url, '/api/v1/conflicts/1%20or%201=1/resolve', { token, body: { choice: 'server' } }), 400, 'VALIDATION_ERROR'],
    ['empty resolution', () => api(t.url, `/api/v1/conflicts/${uuidv7()}/resolve`, { token, body: {} }), 400, 'VALIDATION_ERROR'],
    ['login with an object as password', () => api(t.url, '/api/v1/auth/login', { body: { username: 'tech1', password: { $gt: '' } } }), 400, 'VALIDATION_ERROR'],
  ];

  it.each(cases)('%s → 4xx with the error envelope, nothing changed', async (_name, send, status, code) => {
    const before = await snapshot();
    const response = await send();
    expect(response.status).toBe(status);
    const envelope = errorEnvelopeSchema.parse(response.body);
    expect(envelope.code).toBe(code);
    expect(envelope.message.length).toBeGreaterThan(5);
    expect(await snapshot()).toBe(before);
  });

  it('fuzzed requests to every route, shaped like its schemas: never a 5xx, always the envelope, nothing changed', async () => {
    const shapes: Record<string, readonly string[]> = {
      login: Object.keys(loginRequestSchema.shape),
      refresh: Object.keys(refreshRequestSchema.shape),
      push: Object.keys(pushRequestSchema.shape),
      op: ['opId', 'entity', 'id', 'kind', 'baseVersion', 'patch', 'priority', 'clientTime', 'resolves'],
      resolve: ['choice', 'fields'],
    };
    const valueArb = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('\u0000', uuidv7(), 'workOrder', 'update', -1, 1e308));
    const shaped = (keys: readonly string[]) => fc.dictionary(fc.constantFrom(...keys), valueArb, { maxKeys: keys.length });
    const requestArb = fc.oneof(
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/v1/auth/login'), body: shaped(shapes.login ?? []) }),
      fc.record({ method: fc.constant('POST'), path: fc.constantFrom('/api/v1/auth/refresh', '/api/v1/auth/logout'), body: shaped(shapes.refresh ?? []) }),
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/v1/sync/push'), body: fc.record({ deviceId: valueArb, ops: fc.array(shaped(shapes.op ?? []), { maxLength: 3 }), answers: valueArb }, { requiredKeys: [] }) }),
      fc.record({ method: fc.constant('POST'), path: fc.constant('/api/v1/sync/push'), body: shaped(shapes.push ?? []) }),
      fc.record({ method: fc.constant('POST'), path: fc.string({ maxLength: 40 }).map((id) => `/api/v1/conflicts/${encodeURIComponent(id)}/resolve`), body: shaped(shapes.resolve ?? []) }),
      fc.record({ method: fc.constant('GET'), path: fc.tuple(fc.constantFrom('/api/v1/sync/pull', '/api/v1/conflicts', '/api/v1/me', '/api/v1/health'), fc.dictionary(fc.constantFrom('cursor', 'limit', 'sites', 'workOrders', 'siteId', 'status', 'ids', 'x'), fc.string({ maxLength: 30 }))).map(([base, query]) => `${base}?${new URLSearchParams(query).toString()}`), body: fc.constant(undefined) }),
      fc.record({ method: fc.constant('GET'), path: fc.tuple(fc.string({ maxLength: 40 }), fc.string({ maxLength: 12 })).map(([id, variant]) => `/api/v1/attachments/${encodeURIComponent(id)}/${encodeURIComponent(variant)}`), body: fc.constant(undefined) }),
    );
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(requestArb, async ({ method, path, body }) => {
        const response = await api(t.url, path, { method, token, ...(body === undefined ? {} : { body }) });
        expect(response.status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(response.body)}`).toBeLessThan(500);
        if (response.status >= 400) expect(errorEnvelopeSchema.safeParse(response.body).success, JSON.stringify(response.body)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(await snapshot()).toBe(before);
  });

  it('SQL in values is stored as text and harms nothing', async () => {
    const id = await workOrderId();
    const row = await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', id).executeTakeFirstOrThrow();
    const description = workOrderSchema.parse(JSON.parse(row.data)).description;
    const evil = "'); DROP TABLE records; -- \" OR 1=1";
    const result = await push(t.url, token, [makeOp('workOrder', id, 'update', { description: { base: description, value: evil } }, row.version)]);
    expect(result.results[0]?.record?.description).toBe(evil);
    const count = await t.server.db.selectFrom('records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBeGreaterThan(20);
  });

  it('accepts a gzip-compressed push and answers gzip when asked', async () => {
    const body = gzipSync(Buffer.from(JSON.stringify({ deviceId: 'd', ops: [makeOp('workOrder', await workOrderId(), 'delete', {}, 999)] })));
    const response = await fetch(`${t.url}/api/v1/sync/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'accept-encoding': 'gzip' },
      body,
    });
    expect(response.status).toBe(200);
    const pull = await fetch(`${t.url}/api/v1/sync/pull`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } });
    expect(pull.headers.get('content-encoding')).toBe('gzip');
  });

  it('unknown routes answer NOT_FOUND in the envelope', async () => {
    const response = await api(t.url, '/api/v2/everything');
    expect(response.status).toBe(404);
    expect(errorEnvelopeSchema.parse(response.body).code).toBe('NOT_FOUND');
  });
});
