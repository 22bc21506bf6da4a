import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 that behaves like a 3G link: each direction delays every chunk by half
 * the round-trip time and paces bytes to the given bandwidth.
 */
export interface ThrottledProxy {
  url: string;
  /** Bytes that went from clients to the server (request bodies and headers). */
  bytesUp(): number;
  /** Cuts every open connection, as a lost network does. */
  cut(): void;
  close(): Promise<void>;
}

export async function startThrottledProxy(target: URL, rttMs: number, kbitPerSecond: number): Promise<ThrottledProxy> {
  const bytesPerMs = (kbitPerSecond * 1000) / 8 / 1000;
  const sockets = new Set<Socket>();
  let up = 0;
  const pipe = (from: Socket, to: Socket, count: boolean) => {
    let linkFreeAt = 0;
    from.on('data', (chunk: Buffer) => {
      if (count) up += chunk.length;
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
    for (const socket of [client, upstream]) socket.on('close', () => sockets.delete(socket));
    pipe(client, upstream, true);
    pipe(upstream, client, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    bytesUp: () => up,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
