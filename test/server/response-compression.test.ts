import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullResponseSchema } from '../../src-shared/protocol/pull';
import { parsePullLines, pulledData, pullLinesMediaType } from '../../src-shared/protocol/pull-lines';
import { startTestServer, type TestServer } from '../support/test-server';

describe('answers are compressed when the device accepts zstd or gzip', () => {
  let t: TestServer;
  let token: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 300 });
    token = (await t.login('super1')).accessToken;
  });
  afterAll(() => t.stop());

  async function pull(limit: number, acceptEncoding: string) {
    const response = await request(`${t.url}/api/v1/sync/pull?limit=${limit}`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': acceptEncoding } });
    const wire = Buffer.from(await response.body.arrayBuffer());
    const encoding = response.headers['content-encoding'] ?? 'identity';
    const body = encoding === 'gzip' ? gunzipSync(wire) : encoding === 'zstd' ? zstdDecompressSync(wire) : wire;
    return { status: response.statusCode, encoding, wire: wire.length, page: pullResponseSchema.parse(JSON.parse(body.toString('utf8'))) };
  }

  it('a delta-sized answer (compressed in one call) and a first-sync page (streamed) both arrive gzip and whole', async () => {
    const small = await pull(10, 'gzip');
    expect([small.status, small.encoding, small.page.changes.length]).toEqual([200, 'gzip', 10]);
    const large = await pull(300, 'gzip, deflate');
    expect([large.status, large.encoding, large.page.changes.length]).toEqual([200, 'gzip', 300]);
    const plain = await pull(300, 'identity');
    expect(plain.encoding).toBe('identity');
    expect(large.wire).toBeLessThan(plain.wire / 3);
    expect(large.page).toEqual(plain.page);
  });

  it('where the device takes both, a delta goes gzip and a first-sync page zstd, packed about as tightly', async () => {
    const gzip = await pull(300, 'gzip');
    for (const accepted of ['zstd, gzip', 'gzip, zstd']) {
      // ~5 KB of JSON.
      const small = await pull(10, accepted);
      expect([small.status, small.encoding, small.page.changes.length]).toEqual([200, 'gzip', 10]);
      // ~100 KB: compressed in one call, like a delta, but in zstd.
      const medium = await pull(150, accepted);
      expect([medium.status, medium.encoding, medium.page.changes.length]).toEqual([200, 'zstd', 150]);
      // ~340 KB: streamed.
      const large = await pull(300, accepted);
      expect([large.status, large.encoding]).toEqual([200, 'zstd']);
      expect(large.page).toEqual(gzip.page);
      expect(large.wire).toBeLessThan(gzip.wire * 1.15);
    }
    // A device that takes zstd alone gets it for a delta too.
    expect((await pull(10, 'zstd')).encoding).toBe('zstd');
    expect((await pull(300, 'zstd;q=0, gzip')).encoding).toBe('gzip');
  });

  it('"*" and x-gzip mean gzip for an answer of any size', async () => {
    for (const header of ['*', 'x-gzip', 'br, *;q=0.5']) {
      const small = await pull(10, header);
      const large = await pull(300, header);
      expect([header, small.encoding, large.encoding, small.page.changes.length, large.page.changes.length]).toEqual([header, 'gzip', 'gzip', 10, 300]);
    }
  });

  it('a device that refuses gzip gets plain JSON', async () => {
    for (const refusal of ['identity', 'gzip;q=0', 'br']) {
      const answer = await pull(10, refusal);
      expect([answer.status, answer.encoding, answer.page.changes.length]).toEqual([200, 'identity', 10]);
    }
  });

  it('a device that asks for lines gets them, compressed like JSON; without asking it gets JSON', async () => {
    const asking = async (accept: string) => {
      const response = await request(`${t.url}/api/v1/sync/pull?limit=300`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip', accept } });
      const text = gunzipSync(Buffer.from(await response.body.arrayBuffer())).toString('utf8');
      return { type: String(response.headers['content-type']), encoding: response.headers['content-encoding'], vary: String(response.headers.vary), text };
    };
    const lines = await asking(`${pullLinesMediaType}, application/json;q=0.5`);
    expect([lines.type, lines.encoding]).toEqual([`${pullLinesMediaType}; charset=utf-8`, 'gzip']);
    expect(lines.vary).toMatch(/accept\b.*accept-encoding/);
    const json = await asking('application/json');
    expect(json.type).toBe('application/json; charset=utf-8');
    const page = pullResponseSchema.parse(JSON.parse(json.text));
    const fromLines = parsePullLines(lines.text);
    const read = fromLines.changes.map((change) => {
      const { dataText: _text, ...rest } = change;
      return { ...rest, data: pulledData(change) };
    });
    expect({ ...fromLines, changes: read }).toEqual(page);
    expect((await asking(`${pullLinesMediaType};q=0, application/json`)).type).toBe('application/json; charset=utf-8');
  });
});
