import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { dialects } from '../support/test-database';
import { makeOp, pullAll, push, replica } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/** GET /metrics in Prometheus text: what IT's monitoring reads. */
describe.each(dialects)('metrics on %s', (dialect) => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 10 });
  });
  afterEach(async () => t.stop());

  const scrape = async () => {
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };
  const value = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1] ?? Number.NaN);

  it('counts pushes and ops by result, request latency by route, open sockets and the head lock wait', async () => {
    const login = await t.login('tech1');
    const wo = [...replica((await pullAll(t.url, login.accessToken)).changes).values()].find((c) => c.entity === 'workOrder');
    if (!wo?.data) throw new Error('no work order');
    const current = workOrderSchema.parse(wo.data);
    await push(t.url, login.accessToken, [makeOp('workOrder', wo.id, 'update', { description: { base: current.description, value: 'measured' } }, wo.version)]);
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/api/v1/sync/events`, { headers: { authorization: `Bearer ${login.accessToken}` } });
    await new Promise((resolve) => socket.once('message', resolve));
    const text = await scrape();
    expect(value(text, 'fieldline_pushes_total')).toBe(1);
    expect(value(text, 'fieldline_push_ops_total{result="applied"}')).toBe(1);
    expect(value(text, 'fieldline_event_sockets')).toBe(1);
    expect(value(text, 'fieldline_change_head_lock_wait_seconds_count')).toBe(1);
    expect(text).toMatch(/fieldline_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/sync\/push",status="200"\} 1/);
    if (dialect === 'postgres') expect(text).toMatch(/fieldline_db_pool_connections\{state="idle"\} \d+/);
    socket.close();
    await expect.poll(async () => value(await scrape(), 'fieldline_event_sockets')).toBe(0);
  });
});
