import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../src-shared/protocol/errors';
import { createSyncServer, type SyncServer } from '../../src-server/app';
import { perAccount } from '../../src-server/auth/sign-in-limits';
import { openServerDatabase } from '../../src-server/db/connect';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { dialects } from '../support/test-database';
import { api, startTestServer, type TestServer } from '../support/test-server';

/** Brute force: wrong passwords in a row lock the account for a while, on every instance, in words. */
describe.each(dialects)('sign-in limits on %s', (dialect) => {
  let t: TestServer;
  let second: SyncServer | null = null;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 5 });
  });
  afterEach(async () => {
    await second?.close();
    second = null;
    await t.stop();
  });

  it('after too many attempts even the right password waits, with how long in words, on any instance; then it works', async () => {
    const login = (url: string, password: string) => api(url, '/api/v1/auth/login', { body: { username: 'tech1', password } });
    for (let i = 0; i < perAccount.max; i++) expect((await login(t.url, `guess-${i}`)).status).toBe(401);
    const locked = await login(t.url, demoPassword);
    expect(locked.status).toBe(429);
    const envelope = errorEnvelopeSchema.parse(locked.body);
    expect(envelope.code).toBe('RATE_LIMITED');
    expect(envelope.message).toMatch(/^Too many wrong passwords for tech1: try again in \d+ (seconds|minutes)/);
    // Another instance on the same database knows it too (the counts are in the database).
    second = await createSyncServer({ database: await openServerDatabase(t.target), clock: t.clock, attachments: { dir: t.attachmentsDir } });
    const secondUrl = await second.listen(0);
    expect((await login(secondUrl, demoPassword)).status).toBe(429);
    // Other accounts are not held up.
    expect((await api(t.url, '/api/v1/auth/login', { body: { username: 'tech2', password: demoPassword } })).status).toBe(200);
    t.clock.advance(2 * 60 * 60_000);
    expect((await login(t.url, demoPassword)).status).toBe(200);
  });
});
