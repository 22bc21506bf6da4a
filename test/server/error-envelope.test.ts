import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../src-shared/protocol/errors';
import { startTestServer, type TestServer } from '../support/test-server';

/** Every answer a client can get is {code, message}, also from tus and from Node itself. */
describe('every error is the envelope', () => {
  let t: TestServer;
  let token = '';
  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 5 });
    token = (await t.login('tech1')).accessToken;
  });
  afterAll(async () => t.stop());

  /** A raw request, so nothing on the client side shapes what is sent or read. */
  function raw(request: string): Promise<{ status: number; body: string }> {
    const { port } = new URL(t.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
      let data = '';
      socket.on('data', (chunk) => (data += String(chunk)));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', ...rest] = data.split('\r\n\r\n');
        resolve({ status: Number(head.split(' ')[1]), body: rest.join('\r\n\r\n') });
      });
    });
  }

  const envelope = (body: string) => errorEnvelopeSchema.parse(JSON.parse(body));

  it('headers or an address too large: 431 as the envelope', async () => {
    const long = await raw(`GET /api/v1/health?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(long.status).toBe(431);
    expect(envelope(long.body).code).toBe('VALIDATION_ERROR');
    const header = await raw(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    expect(header.status).toBe(431);
    expect(envelope(header.body).message).toMatch(/too large/);
  });

  it('tus’s own refusals, Upload-Concat included, are envelopes with the API’s status codes', async () => {
    const concat = await raw(`POST /api/v1/attachments/uploads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: 1.0.0\r\nUpload-Concat: final;/a /b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(concat.status).toBe(400);
    expect(envelope(concat.body).code).toBe('VALIDATION_ERROR');
    const noVersion = await raw(`PATCH /api/v1/attachments/uploads/xyz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(noVersion.status).toBe(400);
    expect(envelope(noVersion.body).message).toContain('Tus-Resumable Required');
    const badOffset = await raw(`PATCH /api/v1/attachments/uploads/xyz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: many\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    expect(badOffset.status).toBe(400);
    expect(envelope(badOffset.body).code).toBe('VALIDATION_ERROR');
  });

  it('unknown routes, bad JSON and bad methods are envelopes', async () => {
    for (const request of [
      `GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a":`,
      `DELETE /api/v1/sync/pull HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    ]) {
      const answer = await raw(request);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(() => envelope(answer.body)).not.toThrow();
    }
  });
});
