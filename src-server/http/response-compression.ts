import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';
import * as zlib from 'node:zlib';
import { acceptsToken } from './accept-header';

/** Below this an answer goes as it is (headers would outweigh the saving). */
const minBytes = 1024;
/**
 * Below this gzip packs an answer tighter and sooner than zstd, whose context costs more to set up
 * than such a payload takes to pack (a delta of 10 work orders, 16 KB: gzip 2.5 KB in ~0.07 ms,
 * zstd 2.6 KB in ~0.12 ms); from ~32 KB on zstd is the faster (a page of 5000 work orders, 7 MB:
 * zstd 8.1 % in ~12 ms, gzip 8.0 % in ~60 ms, which a first sync of 100k spends twenty times on
 * the server's share of two cores).
 */
const gzipBelowBytes = 32 * 1024;
/** Up to this an answer is compressed in one call; above, @fastify/compress streams it through zlib's thread pool, off the event loop. */
const syncBelowBytes = 256 * 1024;

/** Node has zstd from 22.15; on an older runtime every answer goes gzip. */
const zstdAvailable = typeof zlib.zstdCompressSync === 'function';
const zstdLevel1 = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } };
const zstdAtLevel1 = {
  createZstdCompress: () => zlib.createZstdCompress(zstdLevel1),
  zstdCompressSync: (payload: zlib.InputType) => zlib.zstdCompressSync(payload, zstdLevel1),
};

/**
 * Answers of 1 KB and more go compressed in an encoding the client accepts: small ones (deltas,
 * push answers) gzip, in one call here; larger ones (a first sync's pages) zstd where accepted,
 * through @fastify/compress, which leaves alone an answer that has a Content-Encoding already.
 * Request bodies may arrive gzip or deflate.
 */
export async function installResponseCompression(app: FastifyInstance): Promise<void> {
  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' || payload.length < minBytes || payload.length >= gzipBelowBytes || reply.hasHeader('content-encoding')) return payload;
    if (!acceptsToken(request.headers['accept-encoding'], 'gzip')) return payload;
    const vary = reply.getHeader('vary');
    reply.header('content-encoding', 'gzip').header('vary', vary ? `${String(vary)}, accept-encoding` : 'accept-encoding').removeHeader('content-length');
    return zlib.gzipSync(payload);
  });
  await app.register(compress, {
    global: true,
    threshold: minBytes,
    syncThreshold: syncBelowBytes,
    encodings: zstdAvailable ? ['zstd', 'gzip', 'deflate'] : ['gzip', 'deflate'],
    requestEncodings: ['gzip', 'deflate'],
    // Only the zstd functions are replaced; gzip and deflate keep zlib's own and its default level.
    zlib: zstdAtLevel1,
  });
}
