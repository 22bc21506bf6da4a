import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { conflictListResponseSchema } from '../../src-shared/protocol/conflicts';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { dialects } from '../support/test-database';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/** docs/architecture.md: the first decision of a conflict wins, device or desk; the other side learns it. */
describe.each(dialects)('one decision per conflict on %s', (dialect) => {
  let t: TestServer;
  let office: TestClient;
  let field: TestClient;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 40 });
    office = createTestClient(t.clock);
    field = createTestClient(t.clock);
  });
  afterEach(async () => {
    await office.dispose();
    await field.dispose();
    await t.stop();
  });

  /** Technician and office both write completion notes; the technician's push meets the office's text. */
  async function conflictOnNotes(): Promise<{ laptop: ActiveSession; workOrderId: string; serverConflictId: string; token: string }> {
    const laptop = await field.core.signIn(t.url, 'tech1', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    const wo = (await laptop.queries.list({ statuses: ['in-progress'], limit: 1 })).items[0];
    if (!wo) throw new Error('no work order');
    await laptop.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'Technician: bearing replaced' });
    const desk = await office.core.signIn(t.url, 'super1', demoPassword);
    expect((await desk.engine.sync('start')).ok).toBe(true);
    await desk.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'Office: customer reports noise' });
    expect((await desk.engine.sync('manual')).ok).toBe(true);
    expect((await laptop.engine.sync('manual')).ok).toBe(true);
    const [local] = await laptop.conflicts.list('open');
    expect(local?.kind).toBe('update-update');
    const supervisor = await t.login('super1');
    const log = conflictListResponseSchema.parse((await api(t.url, '/api/v1/conflicts?status=open', { token: supervisor.accessToken })).body).conflicts;
    const server = log.find((c) => c.recordId === wo.id);
    if (!server) throw new Error('no server conflict');
    return { laptop, workOrderId: wo.id, serverConflictId: server.id, token: supervisor.accessToken };
  }

  async function serverNotes(id: string) {
    const row = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    return workOrderSchema.parse(JSON.parse(row.data)).completionNotes;
  }

  it('a supervisor decides first: the laptop’s open conflict closes on its next sync, saying who decided', async () => {
    const { laptop, workOrderId, serverConflictId, token } = await conflictOnNotes();
    const decided = await api(t.url, `/api/v1/conflicts/${serverConflictId}/resolve`, { token, body: { fields: { completionNotes: { choice: 'server' } } } });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);

    expect((await laptop.engine.sync('manual')).ok).toBe(true);
    expect(await laptop.conflicts.list('open')).toEqual([]);
    const [closed] = await laptop.conflicts.list('resolved');
    expect(closed?.resolution).toMatchObject({ decidedBy: 'Maria Jensen' });
    expect((await laptop.queries.get(workOrderId)).workOrder.completionNotes).toBe('Office: customer reports noise');
    // The technician's text is not lost: it stays in the conflict's record, on the laptop and the server.
    expect(JSON.stringify(closed?.fields)).toContain('Technician: bearing replaced');
  });

  it('the laptop decides after the supervisor did: its decision is refused and shown, never applied over the first', async () => {
    const { laptop, workOrderId, serverConflictId, token } = await conflictOnNotes();
    const decided = await api(t.url, `/api/v1/conflicts/${serverConflictId}/resolve`, { token, body: { fields: { completionNotes: { choice: 'server' } } } });
    expect(decided.status).toBe(200);
    // Before the laptop has heard of it, the technician taps "Keep yours".
    const [open] = await laptop.conflicts.list('open');
    await laptop.conflicts.resolve(open?.id ?? '', { choice: 'local' });

    const result = await laptop.engine.sync('manual');
    expect(result).toMatchObject({ ok: true, refused: 1 });
    expect(await serverNotes(workOrderId)).toBe('Office: customer reports noise');
    const [late] = await laptop.outbox.list();
    expect(late).toMatchObject({ state: 'refused', values: { completionNotes: 'Technician: bearing replaced' } });
    expect(late?.lastError?.message).toContain('Maria Jensen decided this conflict first');
    // Retrying it is refused again: the first decision stands.
    await laptop.outbox.retry(late?.opId ?? '');
    expect((await laptop.engine.sync('manual')).refused).toBe(1);
    expect(await serverNotes(workOrderId)).toBe('Office: customer reports noise');
  });

  it('the laptop decides first: the supervisor’s later decision is refused with who decided', async () => {
    const { laptop, workOrderId, serverConflictId, token } = await conflictOnNotes();
    const [open] = await laptop.conflicts.list('open');
    await laptop.conflicts.resolve(open?.id ?? '', { choice: 'local' });
    expect((await laptop.engine.sync('manual')).ok).toBe(true);
    expect(await serverNotes(workOrderId)).toBe('Technician: bearing replaced');
    const late = await api(t.url, `/api/v1/conflicts/${serverConflictId}/resolve`, { token, body: { choice: 'server' } });
    expect(late.status).toBe(409);
    expect(JSON.stringify(late.body)).toContain('Alex Novak decided this conflict first');
    expect(await serverNotes(workOrderId)).toBe('Technician: bearing replaced');
  });
});
