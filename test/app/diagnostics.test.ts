import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticsSchema } from '../../src-shared/ipc/ipc-views';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startAppClient, type AppClient } from '../support/app-client';
import { startTestServer, type TestServer } from '../support/test-server';

describe('diagnostics export', () => {
  let t: TestServer;
  let app: AppClient;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 10 });
    app = await startAppClient();
  });
  afterAll(async () => {
    await app.close();
    await t.stop();
  });

  it('carries versions, status, metrics and the queue’s shape — no secret and no record content', async () => {
    expect((await app.router.handle('session.signIn', { serverUrl: t.url, username: 'tech1', password: demoPassword })).ok).toBe(true);
    const session = app.core.session;
    await session.engine.sync('manual');
    const { items } = await session.queries.list({ limit: 1 });
    // The worker's own cycles (the sign-in's start cycle ends in the manual one asked for above)
    // would push the edit at any moment; with the server gone it stays queued, whatever they do.
    await t.pause();
    const secretText = 'Customer door code 4711-SECRET';
    await session.workOrders.editNotes({ workOrderId: items[0]?.id ?? '', completionNotes: secretText });
    const reply = await app.router.handle('diagnostics.export', {});
    if (!reply.ok) throw new Error(reply.error.message);
    const exported = diagnosticsSchema.parse(reply.value);
    expect(readFileSync(exported.savedTo, 'utf8')).toBe(exported.content);
    const report: unknown = JSON.parse(exported.content);
    // In flight for the moment a cycle tries to push it, pending again once the attempt fails.
    const queued = expect.objectContaining({ kind: 'update', state: expect.stringMatching(/^(pending|in-flight)$/) });
    expect(report).toMatchObject({ versions: { fieldline: 'test' }, outbox: [queued], health: expect.objectContaining({ cycles: expect.any(Number) }), metrics: expect.any(Array) });
    const key = await app.secrets.get(session.paths.keyAccount);
    const refresh = await app.secrets.get(session.paths.refreshTokenAccount);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    for (const secret of [secretText, key ?? 'no-key', refresh ?? 'no-token', items[0]?.title ?? 'no-title']) expect(exported.content).not.toContain(secret);
    await t.resume();
  });
});
