import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrottledProxy, type ThrottledProxy } from '../../bench/support/throttled-proxy';

/** Blocks the event loop, as a busy app and server in one process do between socket reads. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

describe('the throttled proxy (3G link and upload cut-offs in tests and bench)', () => {
  let sink: Server;
  let link: ThrottledProxy;
  afterEach(async () => {
    await link.close();
    await new Promise((resolve) => sink.close(resolve));
  });

  it('delivers the bytes in the order they were sent while the event loop stalls', async () => {
    // Requests as tus sends them: a big body read in 64 KB pieces, then the next request's small header.
    const pieces = Array.from({ length: 120 }, (_, i) => randomBytes(i % 3 === 2 ? 470 : 65_536));
    const sent = Buffer.concat(pieces);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    const done = new Promise<void>((resolve) => {
      sink = createServer((socket) =>
        socket.on('data', (chunk: Buffer) => {
          received.push(chunk);
          receivedBytes += chunk.length;
          if (received.length % 4 === 0) stall(40);
          if (receivedBytes === sent.length) resolve();
        }),
      );
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const address = sink.address();
    if (typeof address !== 'object' || address === null) throw new Error('no sink address');
    link = await startThrottledProxy(new URL(`http://127.0.0.1:${address.port}`), 4, 64_000);
    const client = connect(Number(new URL(link.url).port), '127.0.0.1');
    for (const piece of pieces) {
      client.write(piece);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
    client.destroy();
    expect(receivedBytes).toBe(sent.length);
    expect(Buffer.concat(received).equals(sent)).toBe(true);
  });
});
