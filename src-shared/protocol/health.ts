import { z } from 'zod';
import { serverInfoSchema } from './server-info';

export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  server: serverInfoSchema,
  database: z.enum(['sqlite', 'postgres']),
  version: z.string(),
});
