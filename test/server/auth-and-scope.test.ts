import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { errorEnvelopeSchema } from '../../src-shared/protocol/errors';
import { tokenResponseSchema } from '../../src-shared/protocol/auth';
import { dialects } from '../support/test-database';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { makeOp, pullAll, push, replica } from '../support/sync-helpers';

describe.each(dialects)('auth and scope on %s', (dialect) => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(dialect);
  });
  afterEach(async () => t.stop());

  const expectError = (response: { status: number; body: unknown }, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(errorEnvelopeSchema.parse(response.body).code).toBe(code);
  };

  it('rejects a wrong password, a missing token and an expired token with AUTH_ERROR', async () => {
    expectError(await api(t.url, '/api/v1/auth/login', { body: { username: 'tech1', password: 'wrong' } }), 401, 'AUTH_ERROR');
    expectError(await api(t.url, '/api/v1/auth/login', { body: { username: 'nobody', password: 'wrong' } }), 401, 'AUTH_ERROR');
    expectError(await api(t.url, '/api/v1/sync/pull'), 401, 'AUTH_ERROR');
    expectError(await api(t.url, '/api/v1/sync/pull', { token: 'not.a.jwt' }), 401, 'AUTH_ERROR');
    const login = await t.login('tech1');
    expect((await api(t.url, '/api/v1/sync/pull', { token: login.accessToken })).status).toBe(200);
    t.clock.advance(16 * 60 * 1000);
    const expired = await api(t.url, '/api/v1/sync/pull', { token: login.accessToken });
    expectError(expired, 401, 'AUTH_ERROR');
    expect(errorEnvelopeSchema.parse(expired.body).message).toMatch(/expired/);
    const refreshed = await api(t.url, '/api/v1/auth/refresh', { body: { refreshToken: login.refreshToken } });
    expect(refreshed.status).toBe(200);
    const tokens = tokenResponseSchema.parse(refreshed.body);
    expect((await api(t.url, '/api/v1/sync/pull', { token: tokens.accessToken })).status).toBe(200);
  });

  it('a reused refresh token revokes its whole family', async () => {
    const login = await t.login('tech1');
    const refresh = async (refreshToken: string) => api(t.url, '/api/v1/auth/refresh', { body: { refreshToken } });
    const first = tokenResponseSchema.parse((await refresh(login.refreshToken)).body);
    const second = tokenResponseSchema.parse((await refresh(first.refreshToken)).body);
    // The original token again, after its successor was used: it was copied. The sign-in dies.
    expectError(await refresh(login.refreshToken), 401, 'AUTH_ERROR');
    expectError(await refresh(second.refreshToken), 401, 'AUTH_ERROR');
    // Another sign-in is unaffected.
    const other = await t.login('tech1');
    expect((await api(t.url, '/api/v1/auth/refresh', { body: { refreshToken: other.refreshToken } })).status).toBe(200);
  });

  it('a technician cannot touch another technician’s work order, nor planning fields; nothing changes', async () => {
    const tech1 = await t.login('tech1');
    const tech2 = await t.login('tech2');
    const { changes } = await pullAll(t.url, tech2.accessToken);
    const theirs = [...replica(changes).values()].find((c) => c.entity === 'workOrder' && c.data?.assignedTo === tech2.user.id);
    if (!theirs) throw new Error('tech2 has no work order');
    const wo = workOrderSchema.parse(theirs.data);
    const before = await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', wo.id).executeTakeFirstOrThrow();
    const foreign = await push(t.url, tech1.accessToken, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'mine now' } }, theirs.version)]);
    expect(foreign.results[0]).toMatchObject({ status: 'rejected', error: { code: 'PERMISSION_DENIED' } });
    const planning = await push(t.url, tech2.accessToken, [makeOp('workOrder', wo.id, 'update', { assignedTo: { base: tech2.user.id, value: tech1.user.id } }, theirs.version)]);
    expect(planning.results[0]).toMatchObject({ status: 'rejected', error: { code: 'PERMISSION_DENIED' } });
    const badTransition = await push(t.url, tech2.accessToken, [makeOp('workOrder', wo.id, 'update', { status: { base: wo.status, value: 'closed' } }, theirs.version)]);
    expect(badTransition.results[0]).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_ERROR' } });
    const readOnly = await push(t.url, tech2.accessToken, [makeOp('part', wo.id, 'update', { quantityAvailable: { base: 1, value: 99 } }, 1)]);
    expect(readOnly.results[0]).toMatchObject({ status: 'rejected', error: { code: 'PERMISSION_DENIED' } });
    const after = await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', wo.id).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    // tech1's pull never contains tech2's work order.
    const mine = await pullAll(t.url, tech1.accessToken);
    expect(replica(mine.changes).has(wo.id)).toBe(false);
  });

  it('a refresh whose answer was lost gets the same successor again, once, within seconds; any other replay revokes the sign-in', async () => {
    const login = await t.login('tech1');
    const refresh = async (refreshToken: string) => api(t.url, '/api/v1/auth/refresh', { body: { refreshToken } });
    const lost = tokenResponseSchema.parse((await refresh(login.refreshToken)).body);
    t.clock.advance(5_000);
    const retried = tokenResponseSchema.parse((await refresh(login.refreshToken)).body);
    expect(retried.refreshToken).toBe(lost.refreshToken);
    // A third presentation is a copy: the sign-in dies, the successor with it.
    expectError(await refresh(login.refreshToken), 401, 'AUTH_ERROR');
    expectError(await refresh(lost.refreshToken), 401, 'AUTH_ERROR');

    // Replayed after the grace, before the real device used its successor: the real device is not
    // robbed of its sign-in by a new token handed to the replayer; the whole family is revoked.
    const other = await t.login('tech2');
    const next = tokenResponseSchema.parse((await refresh(other.refreshToken)).body);
    t.clock.advance(31_000);
    expectError(await refresh(other.refreshToken), 401, 'AUTH_ERROR');
    expectError(await refresh(next.refreshToken), 401, 'AUTH_ERROR');

    // Replayed after the successor was used: reuse.
    const third = await t.login('tech1');
    const used = tokenResponseSchema.parse((await refresh(third.refreshToken)).body);
    expect((await refresh(used.refreshToken)).status).toBe(200);
    expectError(await refresh(third.refreshToken), 401, 'AUTH_ERROR');
  });

  it('an access token stops working within a minute of its sign-in ending, not when it expires', async () => {
    const login = await t.login('tech1');
    expect((await api(t.url, '/api/v1/me', { token: login.accessToken })).status).toBe(200);
    expect((await api(t.url, '/api/v1/auth/logout', { body: { refreshToken: login.refreshToken } })).status).toBe(204);
    t.clock.advance(61_000);
    const after = await api(t.url, '/api/v1/me', { token: login.accessToken });
    expectError(after, 401, 'AUTH_ERROR');
    expect(errorEnvelopeSchema.parse(after.body).message).toMatch(/sign-in has ended/);
    // Another sign-in of the same user is not touched.
    const other = await t.login('tech1');
    expect((await api(t.url, '/api/v1/me', { token: other.accessToken })).status).toBe(200);
  });

  it('wrong role or site for the conflict log → 403; unknown conflict → 404', async () => {
    const tech1 = await t.login('tech1');
    const super1 = await t.login('super1');
    const foreignSite = super1.user.siteIds.find((s) => !tech1.user.siteIds.includes(s)) ?? '';
    expectError(await api(t.url, `/api/v1/conflicts?siteId=${foreignSite}`, { token: tech1.accessToken }), 403, 'PERMISSION_DENIED');
    expect((await api(t.url, '/api/v1/conflicts', { token: tech1.accessToken })).status).toBe(200);
    expectError(await api(t.url, '/api/v1/conflicts/01a20136-2191-72b3-ad08-6ff3239966a8/resolve', { token: super1.accessToken, body: { choice: 'server' } }), 404, 'NOT_FOUND');
  });
});
