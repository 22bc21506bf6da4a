import { z } from 'zod';
import { isMeasurementUnit, measurementUnitNames } from './measurement-units';
import { text } from './text';
import { isoDateTimeSchema, recordIdSchema } from './ids';
import { assetStatusSchema, workOrderPrioritySchema, workOrderTypeSchema } from './entities';
import { workOrderStatusSchema } from './work-order-status';

/** The inputs of the technician's work-order operations; the IPC contract and the CLI reuse them. */
export const changeStatusInputSchema = z.strictObject({ workOrderId: recordIdSchema, status: workOrderStatusSchema });
export const setTaskDoneInputSchema = z.strictObject({ workOrderId: recordIdSchema, taskId: text().min(1).max(64), done: z.boolean() });
export const addPartUsedInputSchema = z.strictObject({ workOrderId: recordIdSchema, partId: recordIdSchema, quantity: z.number().positive().max(1_000_000) });
export const removePartUsedInputSchema = z.strictObject({ workOrderId: recordIdSchema, usageId: text().min(1).max(64) });
export const addLaborInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  start: isoDateTimeSchema,
  end: isoDateTimeSchema.nullable(),
  minutes: z.number().int().min(0).max(24 * 60 * 7),
  note: text().max(2000).default(''),
});
/** A unit from the list (measurement-units.ts): chosen, never typed. */
const measurementUnitSchema = z.string().refine(isMeasurementUnit, { message: `choose a unit: ${measurementUnitNames.join(', ')}` });
export const recordMeasurementInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  name: text().min(1).max(200),
  value: z.number().finite(),
  unit: measurementUnitSchema,
});
/** A correction of a reading on a work order not yet completed. */
export const updateMeasurementInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  measurementId: text().min(1).max(64),
  name: text().min(1).max(200).optional(),
  value: z.number().finite().optional(),
  unit: measurementUnitSchema.optional(),
});
export const removeMeasurementInputSchema = z.strictObject({ workOrderId: recordIdSchema, measurementId: text().min(1).max(64) });
/** A correction of one's own labor entry on a work order not yet completed. */
export const updateLaborInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  laborId: text().min(1).max(64),
  minutes: z.number().int().min(1).max(24 * 60 * 7).optional(),
  note: text().max(2000).optional(),
});
/** Tags and categories, which a technician sets on site (priority 9: sent last). */
export const setLabelsInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  tags: z.array(text().trim().min(1).max(64)).max(100).optional(),
  categories: z.array(text().trim().min(1).max(64)).max(100).optional(),
});
export const removeLaborInputSchema = z.strictObject({ workOrderId: recordIdSchema, laborId: text().min(1).max(64) });
export const editNotesInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  completionNotes: text().max(20_000).nullable().optional(),
  rootCause: text().max(20_000).nullable().optional(),
  description: text().max(20_000).optional(),
});
/** The notes a technician types on site and sends deliberately; kept as drafts meanwhile. */
export const noteFieldSchema = z.enum(['completionNotes', 'rootCause']);
export type NoteField = z.infer<typeof noteFieldSchema>;
export const saveNoteDraftInputSchema = z.strictObject({ workOrderId: recordIdSchema, field: noteFieldSchema, text: text().max(20_000) });

export const createWorkOrderInputSchema = z.strictObject({
  siteId: recordIdSchema,
  assetId: recordIdSchema.nullable(),
  type: workOrderTypeSchema,
  title: text().min(1).max(200),
  description: text().max(20_000).default(''),
  priority: workOrderPrioritySchema,
  tasks: z.array(text().min(1).max(500)).max(100).default([]),
  /** Drafts stay on the device until opened; everything else is assigned to its creator. */
  draft: z.boolean().default(false),
});
/** A supervisor gives a work order to a person at its site, or takes it back (null). */
/** The technician on site reports the state of the work order's asset (a priority-2 change, sent first). */
export const setAssetStatusInputSchema = z.strictObject({ workOrderId: recordIdSchema, status: assetStatusSchema });
export const assignWorkOrderInputSchema = z.strictObject({ workOrderId: recordIdSchema, assignedTo: recordIdSchema.nullable() });
export const workOrderIdInputSchema = z.strictObject({ workOrderId: recordIdSchema });

export const workOrderListQuerySchema = z.strictObject({
  search: text().max(200).optional(),
  statuses: z.array(workOrderStatusSchema).optional(),
  siteId: recordIdSchema.optional(),
  priority: workOrderPrioritySchema.optional(),
  dueBefore: isoDateTimeSchema.optional(),
  /** Only the work orders overdue at this time (isOverdue): unfinished and past their scheduled end. */
  overdueAt: isoDateTimeSchema.optional(),
  /** Work orders assigned to this user, or to nobody (dispatch). */
  assignedTo: z.union([recordIdSchema, z.literal('unassigned')]).optional(),
  /** Only work still to do (not completed, closed or cancelled): a technician's day. */
  openOnly: z.boolean().optional(),
  /** The work orders on one asset: its history as the technician on site reads it. */
  assetId: recordIdSchema.optional(),
  limit: z.number().int().min(1).max(500).default(100),
  offset: z.number().int().min(0).default(0),
});
export type WorkOrderListQuery = z.input<typeof workOrderListQuerySchema>;
