import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketText } from '../../src-main/core/sync/socket-text';
import WebSocket from 'ws';
import { wsServerMessageSchema, type WsServerMessage } from '../../src-shared/ipc/ipc-contract';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startAppClient, type AppClient } from '../support/app-client';
import { startTestServer, type TestServer } from '../support/test-server';

/** The browser shell's IPC: who may talk to it, and what a bad request gets (nothing changed). */
describe('IPC over the browser shell', () => {
  let t: TestServer;
  let app: AppClient;
  let cookie = '';

  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    app = await startAppClient();
  });
  afterAll(async () => {
    await app.close();
    await t.stop();
  });

  function connect(headers: Record<string, string>): Promise<{ socket: WebSocket; messages: WsServerMessage[]; closed: Promise<number> }> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${app.shell.origin.replace('http', 'ws')}/ipc`, { headers });
      const messages: WsServerMessage[] = [];
      const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
      socket.on('message', (raw) => messages.push(wsServerMessageSchema.parse(JSON.parse(socketText(raw)))));
      socket.on('open', () => resolve({ socket, messages, closed }));
      socket.on('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
      socket.on('error', reject);
    });
  }

  async function call(socket: WebSocket, messages: WsServerMessage[], id: number, channel: string, request: unknown) {
    socket.send(JSON.stringify({ id, channel, request }));
    for (let i = 0; i < 500; i++) {
      const reply = messages.find((m) => m.type === 'reply' && m.id === id);
      if (reply && reply.type === 'reply') return reply.reply;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no reply to ${channel}`);
  }

  it('gives nothing without the launch token, and the token works once', async () => {
    expect((await fetch(`${app.shell.origin}/`)).status).toBe(403);
    expect((await fetch(`${app.shell.origin}/index.html`)).status).toBe(403);
    await expect(connect({ origin: app.shell.origin })).rejects.toThrow(/403/);
    const first = await fetch(app.shell.launchUrl, { redirect: 'manual' });
    expect(first.status).toBe(303);
    cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^fieldline_shell=/);
    expect(first.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const again = await fetch(app.shell.launchUrl, { redirect: 'manual' });
    expect(again.status).toBe(403);
    const page = await fetch(`${app.shell.origin}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<div id="root">');
  });

  it('closes a socket opened from a foreign origin without answering it', async () => {
    const { socket, messages, closed } = await connect({ cookie, origin: 'http://evil.example' });
    socket.send(JSON.stringify({ id: 1, channel: 'session.get', request: {} }));
    expect(await closed).toBe(4403);
    expect(messages).toEqual([]);
  });

  it('answers bad payloads and unknown channels with the error envelope and changes nothing', async () => {
    const { socket, messages } = await connect({ cookie, origin: app.shell.origin });
    const signedIn = await call(socket, messages, 1, 'session.signIn', { serverUrl: t.url, username: 'tech1', password: demoPassword });
    expect(signedIn.ok).toBe(true);
    const session = app.core.session;
    await session.engine.sync('manual');
    const { items } = await session.queries.list({ limit: 1 });
    const wo = items[0];
    if (!wo) throw new Error('tech1 has no work orders');
    const before = await session.queries.get(wo.id);

    const unknown = await call(socket, messages, 2, 'workOrders.dropTable', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/Unknown IPC channel/) } });
    const wrongType = await call(socket, messages, 3, 'workOrders.recordMeasurement', { workOrderId: wo.id, name: 'x', value: 'high', unit: 'A' });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', message: expect.stringMatching(/value/) } });
    const extraField = await call(socket, messages, 4, 'workOrders.changeStatus', { workOrderId: wo.id, status: 'in-progress', assignedTo: 'me' });
    expect(extraField).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    const notAnId = await call(socket, messages, 5, 'workOrders.get', { workOrderId: "1' or '1'='1" });
    expect(notAnId).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    const noRequest = await call(socket, messages, 6, 'outbox.discard', null);
    expect(noRequest).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    socket.send('{not json');
    await expect.poll(() => messages.some((m) => m.type === 'reply' && m.id === -1 && !m.reply.ok)).toBe(true);

    expect(await session.outbox.list()).toEqual([]);
    expect(await session.queries.get(wo.id)).toEqual(before);
    const good = await call(socket, messages, 7, 'workOrders.list', { search: wo.title.slice(0, 12), limit: 5 });
    expect(good.ok).toBe(true);
    socket.close();
  });
});
