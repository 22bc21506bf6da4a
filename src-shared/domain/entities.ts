import { z } from 'zod';
import { text } from './text';
import { isoDateTimeSchema, recordIdSchema } from './ids';
import { userRoleSchema, workOrderStatusSchema } from './work-order-status';

/** Ids of items inside a record's arrays (tasks, parts used ...): what merge-by-key matches on. */
const itemIdSchema = text().min(1).max(64);
const shortText = text().max(200);
const longText = text().max(20_000);
const nullableDateTime = isoDateTimeSchema.nullable();

export const siteSchema = z.strictObject({
  id: recordIdSchema,
  code: text().min(1).max(32),
  name: shortText.min(1),
  address: shortText,
  timezone: text().max(64),
});
export type Site = z.infer<typeof siteSchema>;

export const assetStatusSchema = z.enum(['operational', 'degraded', 'failed', 'offline']);
export const assetSchema = z.strictObject({
  id: recordIdSchema,
  siteId: recordIdSchema,
  tag: text().min(1).max(64),
  name: shortText.min(1),
  type: shortText,
  category: shortText,
  manufacturer: shortText,
  model: shortText,
  serialNumber: text().max(64),
  status: assetStatusSchema,
  location: z.strictObject({ building: shortText, floor: shortText, room: shortText }),
});
export type Asset = z.infer<typeof assetSchema>;

/**
 * A part's stock at one site (the inventory table): read-only on the device. The server takes
 * what work orders use from it (stock-taking.ts); below zero is a fact to show (more was used than
 * the books held), not a use to refuse.
 */
export const partSchema = z.strictObject({
  id: recordIdSchema,
  siteId: recordIdSchema,
  partNumber: text().min(1).max(64),
  description: shortText,
  unit: text().max(16),
  quantityAvailable: z.number().finite().min(-1_000_000_000).max(1_000_000_000),
});
export type Part = z.infer<typeof partSchema>;

export const userSchema = z.strictObject({
  id: recordIdSchema,
  username: text().min(1).max(64),
  displayName: shortText,
  role: userRoleSchema,
  siteIds: z.array(recordIdSchema).max(100),
});
export type User = z.infer<typeof userSchema>;

export const taskSchema = z.strictObject({
  id: itemIdSchema,
  title: text().min(1).max(500),
  /** A task the work order cannot be completed without (a safety step, a sign-off); set by the office. */
  required: z.boolean().optional(),
  done: z.boolean(),
  doneAt: nullableDateTime,
  doneBy: recordIdSchema.nullable(),
});
export const partRequirementSchema = z.strictObject({
  id: itemIdSchema,
  partId: recordIdSchema,
  quantity: z.number().positive().max(1_000_000),
});
export const partUsageSchema = z.strictObject({
  id: itemIdSchema,
  partId: recordIdSchema,
  quantity: z.number().positive().max(1_000_000),
  recordedAt: isoDateTimeSchema,
  recordedBy: recordIdSchema,
});
export const laborRecordSchema = z.strictObject({
  id: itemIdSchema,
  userId: recordIdSchema,
  start: isoDateTimeSchema,
  end: nullableDateTime,
  minutes: z.number().int().min(0).max(24 * 60 * 7),
  note: text().max(2000),
});
export const measurementSchema = z.strictObject({
  id: itemIdSchema,
  name: shortText.min(1),
  value: z.number().finite(),
  unit: text().max(32),
  recordedAt: isoDateTimeSchema,
});
export type Task = z.infer<typeof taskSchema>;
export type PartUsage = z.infer<typeof partUsageSchema>;
export type LaborRecord = z.infer<typeof laborRecordSchema>;
export type Measurement = z.infer<typeof measurementSchema>;

export const workOrderTypeSchema = z.enum(['preventive', 'corrective', 'inspection', 'emergency']);
export const workOrderPrioritySchema = z.enum(['low', 'medium', 'high', 'critical']);

export const workOrderSchema = z.strictObject({
  id: recordIdSchema,
  /** Human number (WO-000123) given by the server; null until the create has synced. */
  number: text().max(32).nullable(),
  siteId: recordIdSchema,
  assetId: recordIdSchema.nullable(),
  type: workOrderTypeSchema,
  title: text().min(1).max(200),
  description: longText,
  priority: workOrderPrioritySchema,
  status: workOrderStatusSchema,
  assignedTo: recordIdSchema.nullable(),
  createdBy: recordIdSchema,
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  scheduledStart: nullableDateTime,
  scheduledEnd: nullableDateTime,
  actualStart: nullableDateTime,
  actualEnd: nullableDateTime,
  tasks: z.array(taskSchema).max(500),
  partsRequired: z.array(partRequirementSchema).max(500),
  partsUsed: z.array(partUsageSchema).max(500),
  laborRecords: z.array(laborRecordSchema).max(1000),
  measurements: z.array(measurementSchema).max(1000),
  completionNotes: longText.nullable(),
  rootCause: longText.nullable(),
  tags: z.array(text().min(1).max(64)).max(100),
  categories: z.array(text().min(1).max(64)).max(100),
});
export type WorkOrder = z.infer<typeof workOrderSchema>;

export const attachmentKindSchema = z.enum(['photo', 'document']);
export const attachmentMetaSchema = z.strictObject({
  id: recordIdSchema,
  workOrderId: recordIdSchema,
  kind: attachmentKindSchema,
  fileName: text().min(1).max(255),
  mimeType: text().min(1).max(128),
  size: z.number().int().min(0),
  sha256: text().regex(/^[0-9a-f]{64}$/),
  description: text().max(2000),
  capturedAt: isoDateTimeSchema,
  capturedBy: recordIdSchema,
  location: z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).nullable(),
  /** True once the server holds every byte of the file. */
  uploaded: z.boolean(),
});
export type AttachmentMeta = z.infer<typeof attachmentMetaSchema>;
