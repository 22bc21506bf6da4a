import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/test-database';
import { startTestServer, type TestServer } from '../support/test-server';
import { makeOp, pullAll, pullPage, push, replica } from '../support/sync-helpers';
import { workOrderSchema } from '../../src-shared/domain/entities';

const dayMs = 24 * 60 * 60 * 1000;

describe.each(dialects)('retention on %s', (dialect) => {
  let t: TestServer;
  afterEach(async () => t.stop());

  it('keeps the window of change log, tombstones and op results, prunes what is older, and resets a device that was away longer', async () => {
    t = await startTestServer(dialect, { retentionDays: 30 });
    const sweep = t.server.sweepRetention;
    if (!sweep) throw new Error('the server was started with a retention window');
    // Signed in again after each jump of the clock: access tokens last minutes.
    let office = await t.login('super1');
    let device = await t.login('tech1');
    const { cursor: awayCursor } = await pullAll(t.url, device.accessToken);
    const workOrders = [...replica((await pullAll(t.url, office.accessToken)).changes).values()].filter((c) => c.entity === 'workOrder');
    const [first, second, third] = workOrders;
    if (!first || !second || !third) throw new Error('demo data has three work orders');
    const edit = (change: typeof first, text: string) => makeOp('workOrder', change.id, 'update', { description: { base: workOrderSchema.parse(change.data).description, value: text } }, change.version);
    const old = edit(first, 'forty days ago');
    expect((await push(t.url, office.accessToken, [old])).results[0]).toMatchObject({ status: 'applied' });
    const deletion = makeOp('workOrder', third.id, 'delete', {}, third.version);
    expect((await push(t.url, office.accessToken, [deletion])).results[0]).toMatchObject({ status: 'applied', deleted: true });
    t.clock.advance(20 * dayMs);
    office = await t.login('super1');
    device = await t.login('tech1');
    const recent = edit(second, 'twenty days ago');
    expect((await push(t.url, office.accessToken, [recent])).results[0]).toMatchObject({ status: 'applied' });
    const { cursor: recentCursor } = await pullAll(t.url, device.accessToken);
    t.clock.advance(20 * dayMs);
    office = await t.login('super1');
    device = await t.login('tech1');

    const outcome = await sweep();
    expect(outcome.removedOps).toBe(2);
    // The tombstone went with the log; the record edited then stays.
    const left = await t.server.db.selectFrom('records').select('id').where('id', 'in', [first.id, third.id]).execute();
    expect(left.map((r) => r.id)).toEqual([first.id]);
    expect(outcome.removedChanges).toBeGreaterThan(0);
    const kept = await t.server.db.selectFrom('applied_ops').select('op_id').execute();
    expect(kept.map((r) => r.op_id)).toEqual([recent.opId]);
    // Within the window: the recorded answer, not a second change.
    expect((await push(t.url, office.accessToken, [recent])).results[0]).toMatchObject({ status: 'duplicate', replayOf: 'applied' });
    // A device away longer than the window starts over; one inside it goes on.
    expect((await pullPage(t.url, device.accessToken, awayCursor)).reset).toBe(true);
    expect((await pullPage(t.url, device.accessToken, recentCursor)).reset).toBeFalsy();
    // Nothing older is left: a second sweep finds nothing to do.
    expect(await sweep()).toMatchObject({ removedOps: 0, removedChanges: 0, floor: outcome.floor });
  });
});
