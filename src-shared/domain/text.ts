import { z } from 'zod';

/**
 * Text every database backend stores as it is: PostgreSQL refuses the NUL character (U+0000) in
 * text, SQLite keeps it, so the shared schemas refuse it everywhere — a 400 with the field's name
 * on every backend, and never in a device's queue.
 */
export const noNulCharacter = /^[^\u0000]*$/;
const noNulMessage = 'contains the NUL character (U+0000), which cannot be stored';

export const text = () => z.string().regex(noNulCharacter, noNulMessage);
