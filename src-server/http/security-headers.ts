import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The server answers programs, never pages: nothing it sends may be framed, run as a script or
 * sniffed into another type (helmet's defaults, with a CSP that allows nothing). HSTS is sent on
 * answers that came over HTTPS (a TLS proxy in front says so with X-Forwarded-Proto when the
 * server trusts it): on plain HTTP on a LAN it would mean nothing.
 */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    hsts: false,
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], sandbox: [] } },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app.addHook('onSend', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });
}
