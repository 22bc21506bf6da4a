import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pullPage } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

describe('the server when PostgreSQL drops its idle connections (a database restart, a DBA)', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer('postgres', { workOrders: 5 });
  });
  afterEach(async () => t.stop());

  it('keeps running and answers the next request on fresh connections', async () => {
    const tech = await t.login('tech1');
    await pullPage(t.url, tech.accessToken);
    if (t.target.kind !== 'postgres') throw new Error('postgres only');
    const admin = new pg.Client({ connectionString: t.target.url });
    await admin.connect();
    const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);
    const page = await pullPage(t.url, tech.accessToken);
    expect(page.changes.length).toBeGreaterThan(0);
  });
});
