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
    // One timer drains a FIFO: a timer per chunk would not keep the byte order, since timers of
    // different (fractional) delays may fire out of order. A reordered stream corrupted uploads.
    const inFlight: { chunk: Buffer | 'end'; deliverAt: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const deliverDue = () => {
      timer = undefined;
      for (let head = inFlight[0]; head && head.deliverAt <= Date.now(); head = inFlight[0]) {
        inFlight.shift();
        if (to.destroyed) continue;
        if (head.chunk === 'end') to.end();
        else to.write(head.chunk);
      }
      const head = inFlight[0];
      if (head) timer = setTimeout(deliverDue, head.deliverAt - Date.now());
    };
    const send = (chunk: Buffer | 'end', deliverAt: number) => {
      inFlight.push({ chunk, deliverAt });
      timer ??= setTimeout(deliverDue, deliverAt - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      if (count) up += chunk.length;
      const start = Math.max(Date.now(), linkFreeAt);
      linkFreeAt = start + chunk.length / bytesPerMs;
      send(chunk, linkFreeAt + rttMs / 2);
    });
    from.on('end', () => send('end', Math.max(Date.now(), linkFreeAt) + rttMs / 2));
    from.on('error', () => to.destroy());
    to.on('close', () => {
      clearTimeout(timer);
      inFlight.length = 0;
    });
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
