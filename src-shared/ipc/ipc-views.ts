import { z } from 'zod';
import { historyEntrySchema } from '../protocol/history';
import { attachmentVariantSchema } from '../protocol/attachments';
import { assetSchema, attachmentKindSchema, attachmentMetaSchema, partSchema, siteSchema, userSchema, workOrderPrioritySchema, workOrderSchema, workOrderTypeSchema } from '../domain/entities';
import { isoDateTimeSchema, recordIdSchema } from '../domain/ids';
import { jsonSchema } from '../domain/json';
import { workOrderStatusSchema } from '../domain/work-order-status';
import { conflictKindSchema, conflictSchema, conflictStatusSchema, fieldConflictSchema, resolveConflictRequestSchema } from '../protocol/conflicts';
import { errorEnvelopeSchema } from '../protocol/errors';
import { entityNameSchema } from '../domain/entity-registry';
import { recordSyncStateSchema } from '../sync/sync-status';

/** What the main process answers the renderer: views over the local store, shaped for the screens. */

export const localWriteResultSchema = z.object({ opId: z.string().nullable(), priority: z.number().int() });

export const workOrderListItemSchema = z.object({
  id: recordIdSchema,
  number: z.string().nullable(),
  title: z.string(),
  status: workOrderStatusSchema,
  priority: workOrderPrioritySchema,
  type: workOrderTypeSchema,
  siteId: recordIdSchema,
  assetId: recordIdSchema.nullable(),
  assignedTo: recordIdSchema.nullable(),
  scheduledEnd: isoDateTimeSchema.nullable(),
  tasksDone: z.number().int(),
  tasksTotal: z.number().int(),
  syncState: recordSyncStateSchema,
});
export type WorkOrderListItem = z.infer<typeof workOrderListItemSchema>;
export const workOrderListSchema = z.object({ items: z.array(workOrderListItemSchema), total: z.number().int() });

export const workOrderDetailSchema = z.object({
  workOrder: workOrderSchema,
  syncState: recordSyncStateSchema,
  asset: assetSchema.nullable(),
  site: siteSchema.nullable(),
  siteParts: z.array(partSchema),
  attachments: z.array(attachmentMetaSchema),
  openConflicts: z.array(z.object({ id: z.string(), kind: z.string(), status: z.string() })),
});
export type WorkOrderDetail = z.infer<typeof workOrderDetailSchema>;

/** A person as the screens name them: who a work order is assigned to. A plain object, so a stored user's other fields are left out, not refused. */
export const referenceUserSchema = z.object(userSchema.pick({ id: true, displayName: true, role: true, siteIds: true }).shape);

/** Sites, assets and people for filters, columns and the new-work-order form. */
export const referenceDataSchema = z.object({ sites: z.array(siteSchema), assets: z.array(assetSchema), users: z.array(referenceUserSchema) });
export type ReferenceData = z.infer<typeof referenceDataSchema>;

/** A note draft: the text as typed and when it was last kept on this laptop. */
export const noteDraftSchema = z.object({ text: z.string(), savedAt: isoDateTimeSchema });
export const noteDraftsSchema = z.object({ completionNotes: noteDraftSchema.nullable(), rootCause: noteDraftSchema.nullable() });
export type NoteDrafts = z.infer<typeof noteDraftsSchema>;

export const outboxItemSchema = z.object({
  opId: z.string(),
  entity: z.string(),
  recordId: z.string(),
  record: z.string(),
  kind: z.enum(['create', 'update', 'delete']),
  summary: z.string(),
  priority: z.number().int(),
  state: z.enum(['pending', 'in-flight', 'failed', 'conflict', 'refused']),
  attempts: z.number().int(),
  lastError: errorEnvelopeSchema.nullable(),
  /** What the change holds, field by field: a failed or refused change is shown with its content. */
  values: z.record(z.string(), jsonSchema),
  /** Refused by the server and kept there for the site's supervisors to apply or dismiss. */
  escalated: z.boolean(),
  nextAttemptAt: isoDateTimeSchema.nullable(),
  queuedAt: isoDateTimeSchema,
});
export type OutboxItem = z.infer<typeof outboxItemSchema>;

export const localConflictSchema = z.object({
  id: z.string(),
  entity: z.string(),
  recordId: z.string(),
  /** What a person recognises: the work order's number or title. */
  record: z.string(),
  kind: conflictKindSchema,
  status: conflictStatusSchema,
  origin: z.enum(['push', 'pull']),
  fields: z.array(fieldConflictSchema),
  createdAt: isoDateTimeSchema,
  resolvedAt: isoDateTimeSchema.nullable(),
  resolution: z.union([resolveConflictRequestSchema, z.record(z.string(), jsonSchema)]).nullable(),
});
export type LocalConflict = z.infer<typeof localConflictSchema>;

/** A conflict of the server's log for a supervisor's sites, with what a person recognises its record and author by. */
export const siteConflictSchema = conflictSchema.extend({
  /** The record's number or title, from this device's copy (its id's end where the device has none). */
  record: z.string(),
  /** Who sent the op: the user's name, from this device's copy of the users. */
  user: z.string(),
});
export type SiteConflict = z.infer<typeof siteConflictSchema>;

export const rememberedChoiceSchema = z.enum(['local', 'server']);

export const syncHealthSchema = z.object({
  cycles: z.number().int(),
  successRate: z.number().min(0).max(1).nullable(),
  averageDurationMs: z.number().nullable(),
  bytesSent: z.number().int(),
  bytesReceived: z.number().int(),
  conflictsByKind: z.record(z.string(), z.number().int()),
  queueDepth: z.array(z.object({ at: isoDateTimeSchema, depth: z.number().int() })),
  recentErrors: z.array(z.object({ at: isoDateTimeSchema, code: z.string(), message: z.string().nullable() })),
});
export type SyncHealth = z.infer<typeof syncHealthSchema>;

export const noticeSchema = z.object({ id: z.string(), createdAt: isoDateTimeSchema, message: z.string(), entity: entityNameSchema.nullable(), recordId: z.string().nullable() });
export type Notice = z.infer<typeof noticeSchema>;

/** What a technician sends to IT: versions, settings, queue and sync metrics — no secret, no record content. */
export const diagnosticsSchema = z.object({
  fileName: z.string(),
  savedTo: z.string(),
  content: z.string(),
});

/** A decrypted attachment file or thumbnail for display or saving. */
export const attachmentFileViewSchema = z.object({
  attachmentId: z.string(),
  variant: attachmentVariantSchema,
  fileName: z.string(),
  mimeType: z.string(),
  contentBase64: z.string(),
});
export type AttachmentFileView = z.infer<typeof attachmentFileViewSchema>;

/** One file in the upload queue, with its progress and why it waits. */
export const attachmentUploadViewSchema = z.object({
  attachmentId: z.string(),
  workOrderId: z.string(),
  workOrderLabel: z.string(),
  fileName: z.string(),
  kind: attachmentKindSchema,
  size: z.number().int(),
  uploadedBytes: z.number().int(),
  bytesSent: z.number().int(),
  state: z.enum(['waiting', 'uploading', 'failed']),
  hold: z.enum(['uploading', 'record-not-synced', 'unmetered-network', 'backoff', 'failed']).nullable(),
  lastError: errorEnvelopeSchema.nullable(),
});
export type AttachmentUploadView = z.infer<typeof attachmentUploadViewSchema>;

/** A work order's history: the server's versions (who, when, which fields) and this laptop's changes not yet sent. */
export const workOrderHistorySchema = z.object({
  entries: z.array(historyEntrySchema),
  /** Why the server's part is missing (offline, signed out); null when it came. */
  serverError: z.string().nullable(),
  pending: z.array(z.object({ summary: z.string(), at: z.string(), state: z.string() })),
});
