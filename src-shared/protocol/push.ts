import { z } from 'zod';
import { text } from '../domain/text';
import { isParsedJsonObject, jsonSchema, type Json } from '../domain/json';
import { isoDateTimeSchema, recordIdSchema } from '../domain/ids';
import { entityNameSchema, entitySchemas, fieldNamesOf, isServerManaged } from '../domain/entity-registry';
import { conflictSchema } from './conflicts';
import { errorEnvelopeSchema } from './errors';
import { serverInfoSchema } from './server-info';

export const fieldChangeSchema = z.strictObject({ base: jsonSchema, value: jsonSchema });
export const patchSchema = z.record(text().min(1).max(64), fieldChangeSchema);
export const opKindSchema = z.enum(['create', 'update', 'delete']);
export type OpKind = z.infer<typeof opKindSchema>;

const pushOpShape = z.strictObject({
  opId: z.uuid(),
  entity: entityNameSchema,
  id: recordIdSchema,
  kind: opKindSchema,
  /** The record version the device's bases were read at; 0 for a create. */
  baseVersion: z.number().int().min(0),
  /** Changed fields only, each with the last server-acknowledged value it was edited from. */
  patch: patchSchema,
  priority: z.number().int().min(1).max(10),
  /** When the device made the change; breaks last-write-wins ties only. */
  clientTime: isoDateTimeSchema.optional(),
  /** A server conflict this op settles: a person decided it on the device. */
  resolves: z.uuid().optional(),
});

/**
 * An op's fields must exist on its entity, not be server-owned, and hold values of the field's
 * type. A correct device never sends anything else (it builds ops from the same schemas), so a
 * violation rejects the whole request with a 400 rather than one op.
 */
export const pushOpSchema = pushOpShape.superRefine((op, ctx) => {
  const known = fieldNamesOf(op.entity);
  const shape: Record<string, z.ZodType> = entitySchemas[op.entity].shape;
  for (const [field, change] of Object.entries(op.patch)) {
    if (!known.includes(field)) {
      ctx.addIssue({ code: 'custom', path: ['patch', field], message: `unknown field "${field}" on ${op.entity}` });
    } else if (isServerManaged(op.entity, field)) {
      ctx.addIssue({ code: 'custom', path: ['patch', field], message: `"${field}" is set by the server` });
    } else {
      const parsed = shape[field]?.safeParse(change.value);
      for (const issue of parsed?.error?.issues ?? []) {
        ctx.addIssue({ code: 'custom', path: ['patch', field, 'value', ...issue.path.map(String)], message: issue.message });
      }
    }
  }
});
export type PushOp = z.infer<typeof pushOpSchema>;

/** The most ops one push request may carry. */
export const maxPushOps = 1000;

/**
 * records: every applied op is answered with the whole record. as-sent: an update applied exactly
 * as sent is answered with `asSent` instead (see recordAsSent); devices that predate it ask for neither.
 */
export const pushAnswersSchema = z.enum(['records', 'as-sent']);

export const pushRequestSchema = z.strictObject({
  deviceId: text().min(1).max(128),
  ops: z.array(pushOpSchema).min(1).max(maxPushOps),
  answers: pushAnswersSchema.default('records'),
  /**
   * The pull cursor the device holds (servers that name `history-check`). A server whose history no
   * longer holds it — restored from an older backup, or another server — applies nothing and answers
   * 409 VERSION_CONFLICT with `details.reason` (resetReasonSchema), so the device pulls the reset and
   * sends again what the restore lost before anything else (docs/protocol.md, Restores).
   */
  cursor: text().max(2048).optional(),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

/**
 * A revoked laptop's last request: its unsent ops, with the refresh token of its ended sign-in as
 * the credential. Nothing is applied; each op is kept for the supervisors (docs/protocol.md, Revoked devices).
 */
export const handOverRequestSchema = z.strictObject({
  refreshToken: text().min(20).max(512),
  push: pushRequestSchema,
});
export type HandOverRequest = z.infer<typeof handOverRequestSchema>;

export const pushStatusSchema = z.enum(['applied', 'conflict', 'rejected', 'duplicate']);
export type PushStatus = z.infer<typeof pushStatusSchema>;

/** A record as JSON text delivers it: an object, checked shallowly (see isParsedJsonObject). */
export const recordDataSchema = z.custom<{ [field: string]: Json }>(isParsedJsonObject, 'expected a record object');

export const pushResultSchema = z.object({
  opId: z.uuid(),
  /**
   * applied: every field took (auto-resolved conflicts included, listed in `conflict`);
   * conflict: a field waits for a person, or the record was deleted; rejected: see `error`;
   * duplicate: this opId was seen before, and the result recorded then is repeated (`replayOf`).
   */
  status: pushStatusSchema,
  replayOf: z.enum(['applied', 'conflict', 'rejected']).optional(),
  version: z.number().int().min(0).optional(),
  record: recordDataSchema.optional(),
  /**
   * Instead of `record`, for an update applied exactly as sent when the device asked for `as-sent`
   * answers: the op applied without a conflict on the record at its `baseVersion`, and these are the
   * fields the server set besides the op's (a work order's `updatedAt`). See recordAsSent.
   */
  asSent: recordDataSchema.optional(),
  deleted: z.boolean().optional(),
  conflict: conflictSchema.optional(),
  /** create-create: the record that already existed by natural key; the device rewrites references to it. */
  survivorId: recordIdSchema.optional(),
  /** Why the op, or the part of it named by `escalation`, was refused. */
  error: errorEnvelopeSchema.optional(),
  /**
   * The refused change as the server keeps it for the site's supervisors (a `refused` conflict): on a
   * rejected op the whole op; on an applied one, the fields this user may not change, which were
   * refused while the others were applied. The device keeps the refused values until it learns what
   * became of the escalation.
   */
  escalation: conflictSchema.optional(),
  /** On a rejected op: the record is no longer this user's to see (reassigned, moved to another site). */
  leftScope: z.boolean().optional(),
});
export type PushResult = z.infer<typeof pushResultSchema>;

export const pushResponseSchema = z.object({ results: z.array(pushResultSchema), server: serverInfoSchema });
export type PushResponse = z.infer<typeof pushResponseSchema>;
