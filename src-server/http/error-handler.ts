import type { FastifyError, FastifyInstance } from 'fastify';
import { FieldlineError, httpStatusOf, type ErrorEnvelope } from '../../src-shared/protocol/errors';

/** Every error leaves the server as the envelope {code, message, details?}; nothing else ever does. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | FieldlineError, request, reply) => {
    if (error instanceof FieldlineError) {
      if (error.code === 'SERVER_ERROR') request.log.error({ err: error }, 'request failed');
      return reply.status(httpStatusOf[error.code]).send(error.toEnvelope());
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    let envelope: ErrorEnvelope;
    if (status === 413) {
      envelope = { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large: send fewer ops per batch', details: { fastify: error.code } };
    } else if (status >= 400 && status < 500) {
      const notJson = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError;
      envelope = {
        code: 'VALIDATION_ERROR',
        message: notJson ? 'Request body is not valid JSON' : error.message,
        details: { fastify: error.code },
      };
    } else {
      request.log.error({ err: error }, 'unexpected error');
      return reply.status(500).send({ code: 'SERVER_ERROR', message: 'The server failed to handle this request; try again later' });
    }
    return reply.status(status).send(envelope);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ code: 'NOT_FOUND', message: `No such endpoint: ${request.method} ${request.url.split('?')[0]}` }),
  );
}
