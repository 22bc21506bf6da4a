import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { conflictListQuerySchema, resolveConflictRequestSchema } from '../../src-shared/protocol/conflicts';
import { parseOrThrow } from '../../src-shared/protocol/errors';
import type { Authenticate } from '../auth/authenticate';
import type { ConflictService } from './conflict-service';

const conflictParamsSchema = z.strictObject({ id: z.uuid() });

export function registerConflictRoutes(app: FastifyInstance, conflicts: ConflictService, authenticate: Authenticate): void {
  app.get('/api/v1/conflicts', async (request) => {
    const principal = await authenticate(request);
    const query = parseOrThrow(conflictListQuerySchema, request.query, 'conflict query');
    return { conflicts: await conflicts.list(principal, query) };
  });

  app.post('/api/v1/conflicts/:id/resolve', async (request) => {
    const principal = await authenticate(request);
    const { id } = parseOrThrow(conflictParamsSchema, request.params, 'conflict id');
    const body = parseOrThrow(resolveConflictRequestSchema, request.body, 'resolution');
    return conflicts.resolve(principal, id, body);
  });
}
