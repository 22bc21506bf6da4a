import type { Locker } from '@tus/utils';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Server as TusServer } from '@tus/server';
import { attachmentLimits, formatBytes, isAcceptedType, maxOriginalBytes } from '../../src-shared/domain/attachment-rules';
import { attachmentDownloadParamsSchema, attachmentUploadsPath, uploadMetadataSchema } from '../../src-shared/protocol/attachments';
import { errorEnvelopeOf, FieldlineError, httpStatusOf, parseOrThrow, type ErrorCode } from '../../src-shared/protocol/errors';
import type { Authenticate, AuthenticateHeader } from '../auth/authenticate';
import type { AttachmentService } from './attachment-service';
import type { ServerMetrics } from '../http/server-metrics';

/** tus hooks refuse by throwing {status_code, body}; the body is the product's error envelope. */
function tusRefusal(error: unknown, status?: number): { status_code: number; body: string } {
  const envelope = errorEnvelopeOf(error);
  return { status_code: status ?? httpStatusOf[envelope.code], body: JSON.stringify(envelope) };
}

/**
 * tus's own refusals (a missing Tus-Resumable, a wrong offset, Upload-Concat, which this server does
 * not offer) come as plain text: they leave as the envelope too, with the status codes the rest of
 * the API uses.
 */
function asEnvelope(refusal: { status_code: number; body: string }): { status_code: number; body: string } {
  try {
    const parsed: unknown = JSON.parse(refusal.body);
    if (typeof parsed === 'object' && parsed !== null && 'code' in parsed && 'message' in parsed) return refusal;
  } catch {
    // tus's text, made into an envelope below
  }
  const message = refusal.body.trim() || 'The upload request was refused';
  const code: ErrorCode = refusal.status_code === 403 ? 'PERMISSION_DENIED' : refusal.status_code === 404 || refusal.status_code === 410 ? 'NOT_FOUND' : refusal.status_code === 409 ? 'VERSION_CONFLICT' : refusal.status_code === 413 ? 'PAYLOAD_TOO_LARGE' : refusal.status_code >= 500 && refusal.status_code !== 501 ? 'SERVER_ERROR' : 'VALIDATION_ERROR';
  // 415 and 422 are the content check's own (README); everything else takes its code's status.
  const status = refusal.status_code === 415 || refusal.status_code === 422 ? refusal.status_code : httpStatusOf[code];
  return { status_code: status, body: JSON.stringify({ code, message: refusal.status_code === 501 ? `This server does not offer that part of tus: ${message}` : `Upload refused: ${message}` }) };
}

/**
 * tus as this server speaks it: every refusal it writes itself (a header it cannot read, a wrong
 * offset, a path it does not know) goes out as the envelope, through the one place tus writes.
 */
class EnvelopeTusServer extends TusServer {
  override write(...[context, headers, status, body]: Parameters<TusServer['write']>): ReturnType<TusServer['write']> {
    if (status < 400 || body === undefined) return super.write(context, headers, status, body);
    const refusal = asEnvelope({ status_code: status, body });
    headers.set('Content-Type', 'application/json');
    return super.write(context, headers, refusal.status_code, refusal.body);
  }
}

async function refuseWith<T>(work: () => Promise<T>, status?: (error: unknown) => number | undefined): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- tus answers what its hooks throw, as { status_code, body }
    throw tusRefusal(error, status?.(error));
  }
}

const isDamaged = (error: FieldlineError) => typeof error.details === 'object' && error.details !== null && 'damaged' in error.details && error.details.damaged === true;

export interface AttachmentRouteDeps {
  service: AttachmentService;
  authenticate: Authenticate;
  authenticateHeader: AuthenticateHeader;
  logger: FastifyBaseLogger;
  metrics: ServerMetrics;
  uploadLocker: Locker;
}

/**
 * Uploads by the tus protocol (resumable: a device asks how much arrived and sends the rest) and
 * downloads of the file and its thumbnail. Every request is authenticated and checked against the
 * work order the attachment belongs to.
 */
export function registerAttachmentRoutes(app: FastifyInstance, deps: AttachmentRouteDeps): void {
  const { service } = deps;
  const tus = new EnvelopeTusServer({
    path: attachmentUploadsPath,
    datastore: service.store.uploads,
    // Shared by every instance: two never both accept a chunk of the same upload.
    locker: deps.uploadLocker,
    maxSize: attachmentLimits.uploadBytes,
    relativeLocation: true,
    // Downloads go through the checked route below, never the tus store directly.
    disableTerminationForFinishedUploads: true,
    namingFunction: (_req, metadata) => {
      const parsed = uploadMetadataSchema.safeParse(metadata ?? {});
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- tus answers what its hooks throw, as { status_code, body }
      if (!parsed.success) throw tusRefusal(new FieldlineError('VALIDATION_ERROR', 'An upload must name its attachment (Upload-Metadata attachmentId)'));
      return parsed.data.attachmentId;
    },
    onIncomingRequest: (req, uploadId) =>
      refuseWith(async () => {
        const principal = await deps.authenticateHeader(req.headers.get('authorization'));
        await service.forUpload(principal, uploadId);
      }),
    onUploadCreate: (req, upload) =>
      refuseWith(async () => {
        const principal = await deps.authenticateHeader(req.headers.get('authorization'));
        const meta = await service.forUpload(principal, upload.id);
        if (meta.uploaded) throw new FieldlineError('VERSION_CONFLICT', `${meta.fileName} is already on the server`, { alreadyUploaded: true });
        if (upload.size !== undefined && upload.size > maxOriginalBytes(meta.kind)) {
          throw new FieldlineError('PAYLOAD_TOO_LARGE', `${meta.fileName} is ${formatBytes(upload.size)}; a ${meta.kind} may be at most ${formatBytes(maxOriginalBytes(meta.kind))}`);
        }
        if (upload.size !== meta.size) {
          throw new FieldlineError('VALIDATION_ERROR', `${meta.fileName}: the upload is ${upload.size ?? 'of unknown'} bytes but the attachment says ${meta.size}`);
        }
        return {};
      }),
    onUploadFinish: (_req, upload) =>
      refuseWith(
        async () => {
          try {
            await service.finish(upload.id);
          } catch (error) {
            deps.metrics.uploads.inc({ result: 'refused' });
            throw error;
          }
          deps.metrics.uploads.inc({ result: 'stored' });
          deps.logger.info({ attachmentId: upload.id, bytes: upload.size }, 'attachment uploaded');
          return {};
        },
        // Content that is not what it claims: 415 Unsupported Media Type; bytes damaged on the way: 422.
        (error) => (error instanceof FieldlineError && error.code === 'VALIDATION_ERROR' ? (isDamaged(error) ? 422 : 415) : undefined),
      ),
  });

  app.register(async (scope) => {
    // tus reads the request body itself: Fastify must leave the stream alone.
    scope.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => done(null));
    const handle = (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      void tus.handle(request.raw, reply.raw);
    };
    for (const url of [attachmentUploadsPath, `${attachmentUploadsPath}/*`]) {
      scope.route({ method: ['POST', 'HEAD', 'PATCH', 'OPTIONS', 'DELETE'], url, handler: handle });
    }
  });

  app.get('/api/v1/attachments/:id/:variant', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const { id, variant } = parseOrThrow(attachmentDownloadParamsSchema, request.params, 'attachment address');
    const meta = await service.forDownload(principal, id);
    if (!meta.uploaded) throw new FieldlineError('NOT_FOUND', `${meta.fileName} has not reached the server yet`, { uploaded: false });
    const size = await service.store.size(id, variant);
    if (size === null) throw new FieldlineError('NOT_FOUND', variant === 'thumbnail' ? `${meta.fileName} has no thumbnail` : `${meta.fileName} is missing on the server`);
    // Only a type the content check accepts is ever named, and the file comes as a download: a
    // browser pointed at this address saves it, never renders it (docs/protocol.md, Attachments).
    const type = variant === 'thumbnail' ? 'image/jpeg' : isAcceptedType(meta.kind, meta.mimeType) ? meta.mimeType : 'application/octet-stream';
    const fileName = variant === 'thumbnail' ? `thumbnail-${meta.fileName}.jpg` : meta.fileName;
    return reply
      .type(type)
      .header('content-length', size)
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
      .send(service.store.open(id, variant));
  });
}
