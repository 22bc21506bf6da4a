import { afterEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { createSyncServer, type SyncServer } from '../../src-server/app';
import { openServerDatabase } from '../../src-server/db/connect';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { makeOp, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/**
 * docs/keeping-work-safe.md: with the sync worker running and nobody pressing anything, a change is on the
 * server within about a second, the badge says Offline within seconds of the server going away and
 * the queue drains within seconds of it coming back; the events socket outlives its token.
 */
describe('live sync', () => {
  let t: TestServer | undefined;
  const clients: TestClient[] = [];
  const extra: SyncServer[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.dispose();
    for (const s of extra.splice(0)) await s.close();
    await t?.stop();
    t = undefined;
  });

  async function running(server: TestServer, username: string, url = server.url): Promise<ActiveSession> {
    const client = createTestClient(server.clock);
    clients.push(client);
    const session = await client.core.signIn(url, username, demoPassword);
    session.engine.start();
    await expect.poll(() => session.engine.status().lastSyncAt !== null && session.engine.status().state === 'idle', { timeout: 15_000 }).toBe(true);
    return session;
  }

  async function serverWorkOrder(server: TestServer, id: string) {
    const row = await server.server.db.selectFrom('records').select(['data', 'version']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    return { wo: workOrderSchema.parse(JSON.parse(row.data)), version: row.version };
  }

  it('a burst of edits goes out by itself within about a second, as one push', async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    const server = t;
    const session = await running(server, 'tech1');
    const wo = (await session.queries.get((await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items[0]?.id ?? '')).workOrder;
    expect(wo.tasks.length).toBeGreaterThan(1);
    const cyclesBefore = (await session.store.db.selectFrom('sync_metrics').select('trigger').where('trigger', '=', 'local').execute()).length;
    for (const task of wo.tasks) await session.workOrders.setTaskDone({ workOrderId: wo.id, taskId: task.id, done: true });
    await expect.poll(async () => (await serverWorkOrder(server, wo.id)).wo.tasks.every((task) => task.done), { timeout: 5_000 }).toBe(true);
    await expect.poll(() => session.engine.status().queued).toBe(0);
    const localCycles = (await session.store.db.selectFrom('sync_metrics').select('trigger').where('trigger', '=', 'local').execute()).length - cyclesBefore;
    expect(localCycles).toBe(1);
  });

  it('the badge says Offline within seconds of the server going away, and the queue drains within seconds of its return', async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    const server = t;
    const session = await running(server, 'tech1');
    await server.pause();
    await expect.poll(() => session.engine.status().state, { timeout: 8_000 }).toBe('offline');
    const [wo] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Offline reading', value: 3, unit: 'bar' });
    await expect.poll(() => session.engine.status()).toMatchObject({ state: 'offline', queued: 1 });
    await server.resume();
    await expect.poll(async () => (await serverWorkOrder(server, wo.id)).wo.measurements.map((m) => m.name), { timeout: 10_000 }).toContain('Offline reading');
    await expect.poll(() => session.engine.status().state, { timeout: 5_000 }).toBe('idle');
  });

  it('the events socket outlives its access token: a change after the token ran out still wakes the device', async () => {
    t = await startTestServer('sqlite', { workOrders: 30, accessTokenTtlSeconds: 2 });
    const server = t;
    // Counts the device's event sockets as the server accepts them.
    const hub = server.server.hub;
    const subscribe = hub.subscribe.bind(hub);
    let sockets = 0;
    hub.subscribe = (...args) => (sockets++, subscribe(...args));
    const session = await running(server, 'tech1');
    // Past the token's lifetime the socket is renewed (or closed by the server); the device comes back with a new token.
    await expect.poll(() => sockets, { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => server.server.hub.size, { timeout: 5_000 }).toBe(1);
    const [wo] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    const office = await server.login('super1');
    const { wo: current, version } = await serverWorkOrder(server, wo.id);
    await push(server.url, office.accessToken, [makeOp('workOrder', wo.id, 'update', { description: { base: current.description, value: 'Heard after the token ran out' } }, version)], 'desk');
    await expect.poll(async () => (await session.queries.get(wo.id)).workOrder.description, { timeout: 5_000 }).toBe('Heard after the token ran out');
  });

  it('a supervisor’s device hears of a conflict at their sites as it is recorded', async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    const server = t;
    const desk = await running(server, 'super1');
    const laptop = await running(server, 'tech1');
    const [wo] = (await laptop.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    const heard = async () => (await desk.store.db.selectFrom('sync_metrics').select('trigger').where('trigger', '=', 'notification').execute()).length;
    const before = await heard();
    // The office's note first, then the technician's: a manual field, so no record changes and only the conflict is news.
    await laptop.engine.stop();
    await laptop.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'Technician text' });
    const office = await server.login('super1');
    const { wo: current, version } = await serverWorkOrder(server, wo.id);
    await push(server.url, office.accessToken, [makeOp('workOrder', wo.id, 'update', { completionNotes: { base: current.completionNotes, value: 'Office text' } }, version)], 'desk-api');
    await expect.poll(heard, { timeout: 5_000 }).toBeGreaterThan(before);
    const afterOffice = await heard();
    expect((await laptop.engine.sync('manual')).ok).toBe(true);
    await expect.poll(heard, { timeout: 5_000 }).toBeGreaterThan(afterOffice);
    expect((await desk.engine.serverConflicts({ status: 'open' })).map((c) => c.recordId)).toContain(wo.id);
  });

  it('two instances on one PostgreSQL: a change through one wakes a device on the other, also after the listener’s connection was killed', async () => {
    t = await startTestServer('postgres', { workOrders: 30 });
    const server = t;
    const second = await createSyncServer({ database: await openServerDatabase(server.target), clock: server.clock, attachments: { dir: server.attachmentsDir } });
    extra.push(second);
    const secondUrl = await second.listen(0);
    const onSecond = await running(server, 'tech1', secondUrl);
    const office = await server.login('super1');
    const change = async (id: string, text: string) => {
      const { wo, version } = await serverWorkOrder(server, id);
      await push(server.url, office.accessToken, [makeOp('workOrder', id, 'update', { description: { base: wo.description, value: text } }, version)], 'desk');
    };
    const [wo] = (await onSecond.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    await change(wo.id, 'Through instance one');
    await expect.poll(async () => (await onSecond.queries.get(wo.id)).workOrder.description, { timeout: 5_000 }).toBe('Through instance one');

    // The database drops the second instance's listening connection (a restart, an admin's kill).
    const pg = await import('pg');
    if (server.target.kind !== 'postgres') throw new Error('postgres');
    const admin = new pg.default.Client({ connectionString: server.target.url });
    await admin.connect();
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen fieldline_events%' and pid <> pg_backend_pid()`);
    await admin.end();
    await expect.poll(() => second.hub.cluster?.listening, { timeout: 5_000 }).toBe(true);
    await change(wo.id, 'After the listener came back');
    await expect.poll(async () => (await onSecond.queries.get(wo.id)).workOrder.description, { timeout: 10_000 }).toBe('After the listener came back');
  });

  it('a server told to stop answers the push in flight, refuses new requests, and loses nothing', async () => {
    let hold: (() => void) | null = null;
    let arrived: (() => void) | null = null;
    const pushArrived = new Promise<void>((resolve) => (arrived = resolve));
    t = await startTestServer('sqlite', {
      workOrders: 30,
      extend: (app) =>
        app.addHook('preHandler', async (request) => {
          if (request.url !== '/api/v1/sync/push' || hold === null) return;
          arrived?.();
          await new Promise<void>((resolve) => (hold = resolve));
        }),
    });
    const server = t;
    const login = await server.login('tech1');
    const client = createTestClient(server.clock);
    clients.push(client);
    const session = await client.core.signIn(server.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    const { wo: current, version } = await serverWorkOrder(server, wo.id);
    hold = () => undefined;
    const answer = push(server.url, login.accessToken, [makeOp('workOrder', wo.id, 'update', { description: { base: current.description, value: 'Sent as the server stops' } }, version)], 'laptop');
    await pushArrived;
    const stopping = server.server.close();
    // New requests are turned away (a new connection is refused, one kept alive gets 503) while the push in flight finishes.
    const refused = await fetch(`${server.url}/api/v1/health`, { signal: AbortSignal.timeout(3000) }).then(
      (r) => r.status,
      () => 'refused',
    );
    hold?.();
    expect([503, 'refused']).toContain(refused);
    const result = await answer;
    expect(result.results[0]?.status).toBe('applied');
    await stopping;
    await server.resume();
    expect((await serverWorkOrder(server, wo.id)).wo.description).toBe('Sent as the server stops');
  });

  it('"Sync now" pressed while a cycle runs, right after an edit, answers with a cycle that sent that edit', async () => {
    let hold: () => void = () => undefined;
    let arrived: (() => void) | null = null;
    const pullArrived = new Promise<void>((resolve) => (arrived = resolve));
    let holdNextPull = false;
    t = await startTestServer('sqlite', {
      workOrders: 30,
      extend: (app) =>
        app.addHook('preHandler', async (request) => {
          if (!request.url.startsWith('/api/v1/sync/pull') || !holdNextPull) return;
          holdNextPull = false;
          arrived?.();
          await new Promise<void>((resolve) => (hold = resolve));
        }),
    });
    const server = t;
    const client = createTestClient(server.clock);
    clients.push(client);
    const session = await client.core.signIn(server.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const wo = (await session.queries.get((await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items[0]?.id ?? '')).workOrder;
    const [first, second] = wo.tasks;
    if (!first || !second) throw new Error('a work order with two tasks');
    await session.workOrders.setTaskDone({ workOrderId: wo.id, taskId: first.id, done: true });
    holdNextPull = true;
    const running = session.engine.sync('manual');
    // The running cycle has pushed what the outbox held and waits for its pull: the second edit is not in it.
    await pullArrived;
    await session.workOrders.setTaskDone({ workOrderId: wo.id, taskId: second.id, done: true });
    const syncNow = session.engine.sync('manual');
    hold();
    expect((await running).pushed).toBe(1);
    const answer = await syncNow;
    expect(answer).toMatchObject({ ok: true, pushed: 1 });
    expect((await serverWorkOrder(server, wo.id)).wo.tasks.find((task) => task.id === second.id)?.done).toBe(true);
  });
});
