import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that behaves like a 3G link: each direction delays every chunk by half
 * the round-trip time and paces bytes to the given bandwidth.
 */
export async function startThrottledProxy(target: URL, rttMs: number, kbitPerSecond: number): Promise<{ url: string; close: () => Promise<void> }> {
  const bytesPerMs = (kbitPerSecond * 1000) / 8 / 1000;
  const sockets = new Set<Socket>();
  const pipe = (from: Socket, to: Socket) => {
    let linkFreeAt = 0;
    from.on('data', (chunk: Buffer) => {
      const now = Date.now();
      const start = Math.max(now, linkFreeAt);
      linkFreeAt = start + chunk.length / bytesPerMs;
      const deliverAt = linkFreeAt + rttMs / 2;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, deliverAt - now);
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, linkFreeAt - Date.now()) + rttMs / 2));
    from.on('error', () => to.destroy());
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
