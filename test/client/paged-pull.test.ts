import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { accessTokenTtlSeconds } from '../../src-server/auth/tokens';
import type { SyncServerOptions } from '../../src-server/app';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { defaultPageSize, firstFullSyncPageSize, pullAll } from '../../src-main/core/sync/pull-cycle';
import { pullContextOf } from '../support/sync-contexts';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

let t: TestServer;
let device: TestClient;

/** Each test of the calling block gets a fresh server with this many demo work orders, and a fresh device. */
function serverAndDevice(workOrders: number, extend?: SyncServerOptions['extend']) {
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders, ...(extend ? { extend } : {}) });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });
}

/** What the device holds: entity, id, version and the record. */
async function held(session: ActiveSession) {
  const rows = await session.store.db.selectFrom('records').select(['entity', 'id', 'version', 'data']).orderBy('entity').orderBy('id').execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
}

/** Every live record on the server (a supervisor's scope here), in the same shape. */
async function onServer() {
  const rows = await t.server.db.selectFrom('records').select(['entity', 'id', 'version', 'data']).where('deleted', '=', 0).orderBy('entity').orderBy('id').execute();
  return rows.map((r) => ({ ...r, data: JSON.parse(r.data) }));
}

/**
 * A pull of many pages, each written with its cursor while the next one travels. Pages of 7 make
 * the 60-work-order demo (plus its assets, parts, sites and users) many pages.
 */
describe('a pull of many pages', () => {
  serverAndDevice(60);

  const pullContext = (session: ActiveSession) => pullContextOf(session, t.clock, 7);

  it('brings every record exactly', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    const outcome = await pullAll(pullContext(session), () => undefined);
    expect(outcome.pages).toBeGreaterThan(10);
    expect(await held(session)).toEqual(await onServer());
  });

  it('stores each record as the server sent it, its text never serialised again (answers as lines)', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    await pullAll(pullContext(session), () => undefined);
    const text = (r: { entity: string; id: string; data: string }) => `${r.entity}/${r.id} ${r.data}`;
    const sent = (await t.server.db.selectFrom('records').select(['entity', 'id', 'data']).orderBy('entity').orderBy('id').execute()).map(text);
    // Some demo measurements are in °C, which the server stores as \u00b0C and JSON.stringify would not.
    expect(sent.some((text) => text.includes('\\u00b0'))).toBe(true);
    expect((await session.store.db.selectFrom('records').select(['entity', 'id', 'data']).orderBy('entity').orderBy('id').execute()).map(text)).toEqual(sent);
  });

  it('an access token that expires between pages is renewed and the pull goes on', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    const firstToken = session.auth.currentAccessToken();
    let pages = 0;
    const outcome = await pullAll(pullContext(session), () => {
      if (++pages === 3) t.clock.advance((accessTokenTtlSeconds + 60) * 1000);
    });
    expect(outcome.pages).toBeGreaterThan(10);
    expect(session.auth.currentAccessToken()).not.toBe(firstToken);
    expect(await held(session)).toEqual(await onServer());
  });

  it('a server that goes away mid-pull fails it with NETWORK_ERROR; the next pull resumes after the last page written', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    let pages = 0;
    const stopped = pullAll(pullContext(session), () => {
      if (++pages === 4) void t.pause();
    });
    const error: unknown = await stopped.catch((e: unknown) => e);
    expect(error instanceof FieldlineError && error.code).toBe('NETWORK_ERROR');
    expect((await held(session)).length).toBeGreaterThanOrEqual(4 * 7);

    await t.resume();
    const rest = await pullAll(pullContext(session), () => undefined);
    expect(rest.pulled).toBeLessThan((await onServer()).length);
    expect(await held(session)).toEqual(await onServer());
  });
});

describe('the pages of a full sync', () => {
  serverAndDevice(1200);

  it('start with a small page, written while the server prepares full-size ones', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    const pulledAfterEachPage: number[] = [];
    const totals: number[] = [];
    const outcome = await pullAll(pullContextOf(session, t.clock), (pulled, total) => (pulledAfterEachPage.push(pulled), totals.push(total)));
    const records = Number((await t.server.db.selectFrom('records').select((eb) => eb.fn.countAll().as('n')).where('deleted', '=', 0).executeTakeFirstOrThrow()).n);
    expect(records).toBeGreaterThan(firstFullSyncPageSize);
    expect(records).toBeLessThanOrEqual(firstFullSyncPageSize + defaultPageSize);
    expect(pulledAfterEachPage).toEqual([firstFullSyncPageSize, records]);
    // The first page already says how many the whole sync holds: progress is real from the start.
    expect(totals).toEqual([records, records]);
    expect(outcome.pages).toBe(2);
  });
});

describe('a server from before answers as lines', () => {
  // It never looks at Accept: the hook takes the header away before the route reads it.
  serverAndDevice(60, (app) => app.addHook('onRequest', async (request) => void delete request.headers.accept));

  it('answers JSON, and the device reads it and stores every record exactly', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    await pullAll(pullContextOf(session, t.clock, 7), () => undefined);
    expect(await held(session)).toEqual(await onServer());
    // Serialised here from the parsed answer, so not the server's escaped text.
    const data = (await session.store.db.selectFrom('records').select('data').execute()).map((r) => r.data);
    expect(data.some((text) => text.includes('°C'))).toBe(true);
  });
});

/** Every pull answer the server sent: its size before compression and its Content-Encoding. */
const pullAnswers = new Map<string, { bytes: number; encoding: string }>();
const recordPullAnswers: SyncServerOptions['extend'] = (app) => {
  // Registered before the server's compression, so this sees the answer as it was before.
  app.addHook('onSend', async (request, _reply, payload) => {
    if (request.url.startsWith('/api/v1/sync/pull') && typeof payload === 'string') pullAnswers.set(request.id, { bytes: Buffer.byteLength(payload), encoding: 'unsent' });
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const answer = pullAnswers.get(request.id);
    if (answer) answer.encoding = String(reply.getHeader('content-encoding') ?? 'identity');
  });
};

describe('answers come zstd when large, gzip when small', () => {
  serverAndDevice(60, recordPullAnswers);
  beforeEach(() => pullAnswers.clear());

  it('the device asks for both, reads both and stores every record exactly', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    await pullAll(pullContextOf(session, t.clock, 40), () => undefined);
    const answers = [...pullAnswers.values()];
    expect(answers.filter((a) => a.bytes >= 32 * 1024).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.bytes < 32 * 1024).length).toBeGreaterThan(0);
    expect(answers.map((a) => [a.bytes, a.encoding])).toEqual(answers.map((a) => [a.bytes, a.bytes >= 32 * 1024 ? 'zstd' : 'gzip']));
    expect(await held(session)).toEqual(await onServer());
  });
});

describe('a server from before zstd', () => {
  // It knows gzip alone: the hook takes zstd out of what the device accepts.
  serverAndDevice(60, (app) => {
    app.addHook('onRequest', async (request) => void (request.headers['accept-encoding'] = 'gzip'));
    recordPullAnswers(app);
  });
  beforeEach(() => pullAnswers.clear());

  it('answers gzip, and the device reads it and stores every record exactly', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    await pullAll(pullContextOf(session, t.clock, 40), () => undefined);
    expect(pullAnswers.size).toBeGreaterThan(3);
    expect(new Set([...pullAnswers.values()].map((a) => a.encoding))).toEqual(new Set(['gzip']));
    expect(await held(session)).toEqual(await onServer());
  });
});

describe('a server that answers in an encoding the device does not read', () => {
  serverAndDevice(60, (app) =>
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.url.startsWith('/api/v1/sync/pull')) reply.header('content-encoding', 'br');
      return payload;
    }),
  );

  it('fails the pull with SERVER_ERROR naming the encoding, and writes nothing', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    const error: unknown = await pullAll(pullContextOf(session, t.clock, 7), () => undefined).catch((e: unknown) => e);
    expect(error instanceof FieldlineError && [error.code, error.message]).toEqual(['SERVER_ERROR', expect.stringContaining('does not read (br)')]);
    expect(await held(session)).toEqual([]);
  });
});

describe('a page whose record line arrives damaged', () => {
  let pulls = 0;
  serverAndDevice(60, (app) =>
    app.addHook('onSend', async (request, _reply, payload) => {
      if (!request.url.startsWith('/api/v1/sync/pull') || typeof payload !== 'string' || ++pulls !== 3) return payload;
      // The third page's second record is cut off mid-object.
      const lines = payload.split('\n');
      lines[2] = '{"title":';
      return lines.join('\n');
    }),
  );
  beforeEach(() => void (pulls = 0));

  it('fails the pull with SERVER_ERROR and writes nothing of that page; the next pull resumes at it', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    const error: unknown = await pullAll(pullContextOf(session, t.clock, 7), () => undefined).catch((e: unknown) => e);
    expect(error instanceof FieldlineError && [error.code, error.message]).toEqual(['SERVER_ERROR', expect.stringContaining('not in the expected format')]);
    expect((await held(session)).length).toBe(2 * 7);
    await pullAll(pullContextOf(session, t.clock, 7), () => undefined);
    expect(await held(session)).toEqual(await onServer());
  });
});
