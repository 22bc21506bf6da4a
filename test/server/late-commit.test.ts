import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Change } from '../../src-shared/protocol/pull';
import { dialects } from '../support/test-database';
import { startTestServer, type TestServer } from '../support/test-server';
import { makeOp, pullPage, push } from '../support/sync-helpers';
import { workOrderCreatePatch } from '../support/work-order-patch';

describe.each(dialects)('the pull cursor under concurrent writers on %s', (dialect) => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 10 });
  });
  afterEach(async () => t.stop());

  it('never skips a change that commits late: the puller ends with every change exactly once', async () => {
    const supervisor = await t.login('super1');
    const site = supervisor.user.siteIds[0] ?? '';
    // Start from the end of the current log.
    let first = await pullPage(t.url, supervisor.accessToken);
    while (first.hasMore) first = await pullPage(t.url, supervisor.accessToken, first.cursor);
    let cursor = first.cursor;

    const writers = 8;
    const batchesPerWriter = 6;
    const opsPerBatch = 10;
    const created = new Set<string>();
    const newWorkOrder = () => {
      const id = uuidv7();
      created.add(id);
      const patch = workOrderCreatePatch({ siteId: site, assetId: null, type: 'preventive', title: `Concurrent ${id.slice(-6)}`, priority: 'low', status: 'open' });
      return makeOp('workOrder', id, 'create', patch, 0);
    };
    let writing = true;
    const pushers = Array.from({ length: writers }, async (_, w) => {
      for (let b = 0; b < batchesPerWriter; b++) {
        const ops = Array.from({ length: opsPerBatch }, newWorkOrder);
        const response = await push(t.url, supervisor.accessToken, ops, `writer-${w}`);
        expect(response.results.every((r) => r.status === 'applied')).toBe(true);
      }
    });
    const seen: Change[] = [];
    const puller = (async () => {
      while (writing) {
        const page = await pullPage(t.url, supervisor.accessToken, cursor, '&limit=7');
        seen.push(...page.changes);
        cursor = page.cursor;
      }
    })();
    await Promise.all(pushers);
    writing = false;
    await puller;
    for (;;) {
      const page = await pullPage(t.url, supervisor.accessToken, cursor);
      seen.push(...page.changes);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    const ids = seen.filter((c) => c.entity === 'workOrder').map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(created);
    expect(created.size).toBe(writers * batchesPerWriter * opsPerBatch);
  });
});
