import { z } from 'zod';

export const healthResponseSchema = z.object({
  status: z.literal('ok'),
  server: z.object({ id: z.string(), head: z.number().int() }),
  database: z.enum(['sqlite', 'postgres']),
  version: z.string(),
});
