import { randomBytes, timingSafeEqual } from 'node:crypto';
import { socketText } from '../core/sync/socket-text';
import { existsSync } from 'node:fs';
import Fastify, { type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import { maxIpcMessageBytes } from '../../src-shared/domain/attachment-commands';
import type { Logger } from 'pino';
import { wsClientMessageSchema, type WsServerMessage } from '../../src-shared/ipc/ipc-contract';
import { errorEnvelopeOf, FieldlineError } from '../../src-shared/protocol/errors';
import type { IpcRouter } from '../core/ipc/ipc-router';
import { contentSecurityPolicy } from '../../src-shared/ipc/content-security-policy';

export interface BrowserShellOptions {
  router: IpcRouter;
  /** The built renderer (vite build): index.html and its assets. */
  rendererDir: string;
  logger: Logger;
  port?: number;
}

export interface BrowserShell {
  /** Open this once: it carries the one-time launch token. */
  launchUrl: string;
  origin: string;
  close(): Promise<void>;
}

const sessionCookie = 'fieldline_shell';

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The desktop app without Electron: the renderer served on 127.0.0.1, IPC over a loopback
 * WebSocket. Whoever opens the launch URL (with its one-time token) gets a session cookie; every
 * page, asset and the IPC socket need that cookie, and the socket must come from this origin, so
 * another local user or a web page in the same browser gets nothing.
 */
export async function startBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  if (!existsSync(options.rendererDir)) throw new FieldlineError('VALIDATION_ERROR', `The renderer is not built (${options.rendererDir} is missing): run npm run build`);
  let launchToken: string | null = randomBytes(24).toString('base64url');
  const sessionSecret = randomBytes(32).toString('base64url');
  // Requests here are one person's IPC on loopback: the router logs what matters, not every asset.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  await app.register(cookie);
  // An attach request carries the file: the socket takes the largest one the contract allows.
  await app.register(websocket, { options: { maxPayload: maxIpcMessageBytes } });
  let origin = '';
  const authenticated = (request: FastifyRequest) => sameSecret(request.cookies[sessionCookie], sessionSecret);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('content-security-policy', contentSecurityPolicy(origin));
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
    const url = new URL(request.url, origin);
    const token = url.searchParams.get('token');
    if (token !== null && launchToken !== null && sameSecret(token, launchToken)) {
      // One time: the token in the printed URL opens one browser session, then it is spent.
      launchToken = null;
      reply.setCookie(sessionCookie, sessionSecret, { httpOnly: true, sameSite: 'strict', path: '/' });
      return reply.redirect('/', 303);
    }
    if (!authenticated(request)) {
      return reply.code(403).type('text/plain').send('Fieldline: open the link printed when the app started (it works once). Restart the app for a new one.');
    }
  });

  await app.register(fastifyStatic, { root: options.rendererDir, index: 'index.html', wildcard: false });

  app.get('/ipc', { websocket: true }, (socket, request) => {
    // A foreign page could ride on the cookie; it cannot fake its Origin.
    if (request.headers.origin !== origin) {
      socket.close(4403, 'foreign origin');
      return;
    }
    const send = (message: WsServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    };
    const unsubscribe = options.router.onEvent((event, payload) => send({ type: 'event', event, payload }));
    socket.on('close', unsubscribe);
    socket.on('message', (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(socketText(raw));
      } catch {
        send({ type: 'reply', id: -1, reply: { ok: false, error: { code: 'VALIDATION_ERROR', message: 'An IPC message must be JSON' } } });
        return;
      }
      const message = wsClientMessageSchema.safeParse(parsed);
      if (!message.success) {
        send({ type: 'reply', id: -1, reply: { ok: false, error: { code: 'VALIDATION_ERROR', message: 'An IPC message is {id, channel, request}' } } });
        return;
      }
      options.router.handle(message.data.channel, message.data.request).then(
        (reply) => send({ type: 'reply', id: message.data.id, reply }),
        (error: unknown) => send({ type: 'reply', id: message.data.id, reply: { ok: false, error: errorEnvelopeOf(error) } }),
      );
    });
  });

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new FieldlineError('SERVER_ERROR', 'The browser shell has no TCP address');
  origin = `http://127.0.0.1:${address.port}`;
  return {
    launchUrl: `${origin}/?token=${launchToken}`,
    origin,
    close: () => app.close(),
  };
}
