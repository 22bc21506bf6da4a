import { z } from 'zod';
import { text } from '../domain/text';
import { jsonSchema } from '../domain/json';
import { isoDateTimeSchema, recordIdSchema } from '../domain/ids';
import { entityNameSchema } from '../domain/entity-registry';
import { conflictPolicySchema } from '../domain/conflict-policies';
import { errorEnvelopeSchema } from './errors';

/**
 * update-update, update-delete, delete-update, create-create: two writers met (docs/architecture.md, Conflicts).
 * refused: the server refused a device's change (permission, validation, a record that is gone);
 * it is kept here with the technician's values so the site's supervisors can apply or dismiss it.
 */
export const conflictKindSchema = z.enum(['update-update', 'update-delete', 'delete-update', 'create-create', 'refused']);
export type ConflictKind = z.infer<typeof conflictKindSchema>;
export const conflictStatusSchema = z.enum(['auto-resolved', 'open', 'resolved']);
export type ConflictStatus = z.infer<typeof conflictStatusSchema>;

export const fieldConflictSchema = z.object({
  field: text(),
  base: jsonSchema,
  local: jsonSchema,
  server: jsonSchema,
  policy: conflictPolicySchema,
  outcome: z.enum(['local', 'server', 'merged', 'manual']),
  value: jsonSchema,
});

/** Why a refused change was refused, and what kind of change it was (a refused delete has no fields). */
export const refusalSchema = z.object({
  opKind: z.enum(['create', 'update', 'delete']),
  error: errorEnvelopeSchema,
});
export type Refusal = z.infer<typeof refusalSchema>;

export const conflictSchema = z.object({
  id: z.uuid(),
  entity: entityNameSchema,
  recordId: recordIdSchema,
  kind: conflictKindSchema,
  status: conflictStatusSchema,
  fields: z.array(fieldConflictSchema),
  opId: z.uuid(),
  deviceId: text(),
  userId: recordIdSchema,
  siteId: recordIdSchema.nullable(),
  survivorId: recordIdSchema.nullable(),
  clientVersion: z.number().int(),
  serverVersion: z.number().int(),
  createdAt: isoDateTimeSchema,
  resolvedAt: isoDateTimeSchema.nullable(),
  resolvedBy: recordIdSchema.nullable(),
  resolution: z.record(text(), jsonSchema).nullable(),
  /** Set on a `refused` conflict. Absent from servers that predate refusals. */
  refusal: refusalSchema.nullable().optional(),
  /** The name of the person who decided it, so a device can say who (it may not hold their profile). */
  resolvedByName: text().nullable().optional(),
  /** The name of the device the change came from (its machine name, or what IT calls it). */
  deviceName: text().nullable().optional(),
  /** Who wrote the server's side (the version the change met) and when; null for the server's own writes. */
  serverWriter: z.object({ name: text().nullable(), at: isoDateTimeSchema }).nullable().optional(),
});
export type Conflict = z.infer<typeof conflictSchema>;

/** At most this many conflicts are asked about by id in one request. */
export const maxConflictIdsPerQuery = 100;

export const conflictListQuerySchema = z.strictObject({
  siteId: recordIdSchema.optional(),
  /** Comma-separated conflict ids: a device asks what became of the conflicts and escalations it holds. */
  ids: z
    .string()
    .max(maxConflictIdsPerQuery * 37)
    .transform((text) => text.split(',').filter((id) => id.length > 0))
    .pipe(z.array(z.uuid()).min(1).max(maxConflictIdsPerQuery))
    .optional(),
  status: conflictStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * A person's decision: the whole record to one side (`choice`), and/or per field: keep the
 * device's value, the server's, or an edited value. An update-delete is decided with `choice`:
 * local restores the record with the device's values, server confirms the delete.
 */
export const fieldDecisionSchema = z.discriminatedUnion('choice', [
  z.strictObject({ choice: z.literal('local') }),
  z.strictObject({ choice: z.literal('server') }),
  z.strictObject({ choice: z.literal('value'), value: jsonSchema }),
]);
export type FieldDecision = z.infer<typeof fieldDecisionSchema>;

export const resolveConflictRequestSchema = z
  .strictObject({
    choice: z.enum(['local', 'server']).optional(),
    fields: z.record(text().min(1).max(64), fieldDecisionSchema).optional(),
  })
  .refine((r) => r.choice !== undefined || (r.fields !== undefined && Object.keys(r.fields).length > 0), {
    message: 'give a choice for the record or for at least one field',
  });
export type ResolveConflictRequest = z.infer<typeof resolveConflictRequestSchema>;

export const conflictListResponseSchema = z.object({ conflicts: z.array(conflictSchema) });
export const resolveConflictResponseSchema = z.object({
  conflict: conflictSchema,
  version: z.number().int(),
  record: z.record(text(), jsonSchema).nullable(),
});
