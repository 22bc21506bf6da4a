import { z } from 'zod';

/**
 * The pull cursor is opaque to devices. Inside: the server database it belongs to, the change-log
 * sequence it has reached and, during a first sync, the snapshot position (the last record sent,
 * in (entity, id) order) with the log head the snapshot started at.
 */
const cursorSchema = z.object({
  v: z.literal(1),
  db: z.string(),
  seq: z.number().int().min(0),
  /** Fingerprint of the change at `seq`: if the server's differs, its history diverged (a restore). */
  tip: z.string().max(200).optional(),
  snap: z.object({ entity: z.string(), id: z.string() }).optional(),
});
export type PullCursor = z.infer<typeof cursorSchema>;

export function encodeCursor(cursor: PullCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** Null when the text is not a cursor this code wrote: the caller answers with a reset. */
export function decodeCursor(text: string): PullCursor | null {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
