import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { socketText } from '../../src-main/core/sync/socket-text';
import WebSocket from 'ws';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { serverEventSchema, type ServerEvent } from '../../src-shared/protocol/events';
import { dialects } from '../support/test-database';
import { startTestServer, type TestServer } from '../support/test-server';
import { makeOp, pullAll, push, replica } from '../support/sync-helpers';

function connect(url: string, token?: string): Promise<{ socket: WebSocket; events: ServerEvent[]; next: () => Promise<ServerEvent> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/api/v1/sync/events`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const events: ServerEvent[] = [];
    const waiters: ((e: ServerEvent) => void)[] = [];
    socket.on('message', (raw) => {
      const event = serverEventSchema.parse(JSON.parse(socketText(raw)));
      const waiter = waiters.shift();
      if (waiter) waiter(event);
      else events.push(event);
    });
    socket.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.on('error', reject);
    socket.on('open', () =>
      resolve({
        socket,
        events,
        next: () => {
          const queued = events.shift();
          return queued ? Promise.resolve(queued) : new Promise((r) => waiters.push(r));
        },
      }),
    );
  });
}

describe.each(dialects)('change notifications on %s', (dialect) => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(dialect);
  });
  afterEach(async () => t.stop());

  it('tells a device about changes in its scope, and only those', async () => {
    const tech1 = await t.login('tech1');
    const tech2 = await t.login('tech2');
    const super1 = await t.login('super1');
    const one = await connect(t.url, tech1.accessToken);
    const two = await connect(t.url, tech2.accessToken);
    expect((await one.next()).type).toBe('hello');
    expect((await two.next()).type).toBe('hello');
    const { changes } = await pullAll(t.url, super1.accessToken);
    const target = [...replica(changes).values()].find((c) => c.entity === 'workOrder' && c.data?.assignedTo === tech1.user.id && c.data?.siteId && !tech2.user.siteIds.includes(typeof c.data.siteId === 'string' ? c.data.siteId : ''));
    if (!target) throw new Error('no work order of tech1 outside tech2’s sites');
    const wo = workOrderSchema.parse(target.data);
    const response = await push(t.url, super1.accessToken, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'call the site first' } }, target.version)]);
    const event = await one.next();
    expect(event).toEqual({ type: 'changed', head: response.server.head });
    // Then a change of tech2's: events reach a socket in order, so tech2's first event after its
    // hello is that one's if the first change was not sent to it.
    const theirs = [...replica(changes).values()].find((c) => c.entity === 'workOrder' && c.data?.assignedTo === tech2.user.id);
    if (!theirs) throw new Error('no work order of tech2');
    const second = await push(t.url, super1.accessToken, [makeOp('workOrder', theirs.id, 'update', { description: { base: workOrderSchema.parse(theirs.data).description, value: 'bring the ladder' } }, theirs.version)]);
    expect(await two.next()).toEqual({ type: 'changed', head: second.server.head });
    one.socket.close();
    two.socket.close();
  });

  it('refuses a socket without a valid token', async () => {
    await expect(connect(t.url)).rejects.toThrow('HTTP 401');
    await expect(connect(t.url, 'forged')).rejects.toThrow('HTTP 401');
  });
});
