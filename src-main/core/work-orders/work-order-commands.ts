import type { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { assetSchema, userSchema, workOrderSchema, type User, type WorkOrder } from '../../../src-shared/domain/entities';
import {
  addLaborInputSchema,
  addPartUsedInputSchema,
  assignWorkOrderInputSchema,
  changeStatusInputSchema,
  createWorkOrderInputSchema,
  editNotesInputSchema,
  recordMeasurementInputSchema,
  removePartUsedInputSchema,
  setAssetStatusInputSchema,
  setTaskDoneInputSchema, removeLaborInputSchema, removeMeasurementInputSchema, setLabelsInputSchema, updateLaborInputSchema, updateMeasurementInputSchema } from '../../../src-shared/domain/work-order-commands';
import { canReachStatus, overseesSites, unfinishedStatuses } from '../../../src-shared/domain/work-order-status';
import { measurementProblem } from '../../../src-shared/domain/measurement-units';
import { fieldNames } from '../../../src-shared/domain/field-names';
import { completionBlocked } from '../../../src-shared/domain/close-out';
import { workNotStarted } from '../../../src-shared/domain/new-work-order';
import { newRecordId } from '../../../src-shared/domain/ids';
import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import { FieldlineError, parseOrThrow } from '../../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { writeLocalChange, type LocalWriteResult } from '../outbox/local-writes';

/**
 * The technician's operations on work orders. Each reads the local view, checks it (state machine,
 * schema), and writes through writeLocalChange: one transaction, saved at once, queued for sync.
 */
export class WorkOrderCommands {
  constructor(
    private readonly db: ClientDb,
    private readonly clock: Clock,
    private readonly user: () => User,
    private readonly changed: (result: LocalWriteResult) => void,
  ) {}

  private async current(id: string): Promise<WorkOrder> {
    const row = await this.db.selectFrom('records').select(['data', 'pending_delete']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirst();
    if (!row || row.pending_delete === 1) throw new FieldlineError('NOT_FOUND', `Work order ${id} is not on this device`);
    return workOrderSchema.parse(parseData(row.data));
  }

  /**
   * Writes a change computed from the work order as it is inside the write's transaction, never
   * from an earlier read: the sync worker may commit a pulled change to the same list meanwhile.
   */
  private async edit(id: string, change: (wo: WorkOrder) => { values: FieldValues; summary: string }): Promise<LocalWriteResult> {
    const result = await writeLocalChange(this.db, this.clock, { kind: 'edit', entity: 'workOrder', id, edit: (current) => change(workOrderSchema.parse(current)) });
    this.changed(result);
    return result;
  }

  async changeStatus(input: z.input<typeof changeStatusInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, status } = parseOrThrow(changeStatusInputSchema, input, 'status change');
    const user = this.user();
    return this.edit(workOrderId, (wo) => {
      if (!canReachStatus(wo.status, status, user.role)) {
        throw new FieldlineError('VALIDATION_ERROR', `A ${user.role} cannot move ${wo.number ?? 'this work order'} from ${wo.status} to ${status}`);
      }
      if (status === 'completed') {
        const blocked = completionBlocked(wo);
        if (blocked) throw new FieldlineError('VALIDATION_ERROR', blocked, { field: 'status' });
      }
      const now = isoAt(this.clock);
      const values: FieldValues = { status };
      if (status === 'in-progress' && wo.actualStart === null) values.actualStart = now;
      if (status === 'completed') values.actualEnd = now;
      return { values, summary: `Status → ${status}` };
    });
  }

  /**
   * A supervisor gives a work order to a person who works at its site, or takes it back. Assigning
   * an open work order makes it assigned; taking back an assigned one opens it again.
   */
  async assign(input: z.input<typeof assignWorkOrderInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, assignedTo } = parseOrThrow(assignWorkOrderInputSchema, input, 'assignment');
    if (!overseesSites(this.user().role)) throw new FieldlineError('PERMISSION_DENIED', 'Only a supervisor assigns work orders');
    const assignee = assignedTo === null ? null : await this.person(assignedTo);
    return this.edit(workOrderId, (wo) => {
      if (assignee && !assignee.siteIds.includes(wo.siteId)) {
        throw new FieldlineError('VALIDATION_ERROR', `${assignee.displayName} does not work at the site of ${wo.number ?? 'this work order'}`, { field: 'assignedTo' });
      }
      const values: FieldValues = { assignedTo };
      if (assignedTo !== null && wo.status === 'open') values.status = 'assigned';
      if (assignedTo === null && wo.status === 'assigned') values.status = 'open';
      return { values, summary: assignee ? `Assigned to ${assignee.displayName}` : 'Assignment taken back' };
    });
  }

  /** A person from this device's copy of the users. */
  private async person(id: string): Promise<User> {
    const row = await this.db.selectFrom('records').select('data').where('entity', '=', 'user').where('id', '=', id).where('pending_delete', '=', 0).executeTakeFirst();
    if (!row) throw new FieldlineError('NOT_FOUND', `User ${id} is not on this device`);
    return userSchema.parse(parseData(row.data));
  }

  async setTaskDone(input: z.input<typeof setTaskDoneInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, taskId, done } = parseOrThrow(setTaskDoneInputSchema, input, 'task');
    return this.edit(workOrderId, (wo) => {
      const task = wo.tasks.find((t) => t.id === taskId);
      if (!task) throw new FieldlineError('NOT_FOUND', `Task ${taskId} is not on this work order`);
      const now = isoAt(this.clock);
      const tasks = wo.tasks.map((t) => (t.id === taskId ? { ...t, done, doneAt: done ? now : null, doneBy: done ? this.user().id : null } : t));
      return { values: { tasks }, summary: `Task "${task.title}" ${done ? 'done' : 'reopened'}` };
    });
  }

  /** The asset's state as found on site (failed, degraded, back in operation), from its work order. */
  async setAssetStatus(input: z.input<typeof setAssetStatusInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, status } = parseOrThrow(setAssetStatusInputSchema, input, 'asset status');
    const { assetId } = await this.current(workOrderId);
    if (assetId === null) throw new FieldlineError('VALIDATION_ERROR', 'This work order has no asset');
    const result = await writeLocalChange(this.db, this.clock, {
      kind: 'edit',
      entity: 'asset',
      id: assetId,
      edit: (current) => {
        const asset = assetSchema.parse(current);
        return { values: { status }, summary: `Asset ${asset.tag}: ${status}` };
      },
    });
    this.changed(result);
    return result;
  }

  async addPartUsed(input: z.input<typeof addPartUsedInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, partId, quantity } = parseOrThrow(addPartUsedInputSchema, input, 'part used');
    const usage = { id: uuidv7(), partId, quantity, recordedAt: isoAt(this.clock), recordedBy: this.user().id };
    return this.edit(workOrderId, (wo) => ({ values: { partsUsed: [...wo.partsUsed, usage] }, summary: `Part used ×${quantity}` }));
  }

  async removePartUsed(input: z.input<typeof removePartUsedInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, usageId } = parseOrThrow(removePartUsedInputSchema, input, 'part used');
    return this.edit(workOrderId, (wo) => {
      if (!wo.partsUsed.some((p) => p.id === usageId)) throw new FieldlineError('NOT_FOUND', 'That part use is not on this work order');
      return { values: { partsUsed: wo.partsUsed.filter((p) => p.id !== usageId) }, summary: 'Part use removed' };
    });
  }

  async addLabor(input: z.input<typeof addLaborInputSchema>): Promise<LocalWriteResult> {
    const labor = parseOrThrow(addLaborInputSchema, input, 'labor record');
    const record = { id: uuidv7(), userId: this.user().id, start: labor.start, end: labor.end, minutes: labor.minutes, note: labor.note };
    return this.edit(labor.workOrderId, (wo) => ({ values: { laborRecords: [...wo.laborRecords, record] }, summary: `Labor ${labor.minutes} min` }));
  }

  async recordMeasurement(input: z.input<typeof recordMeasurementInputSchema>): Promise<LocalWriteResult> {
    const m = parseOrThrow(recordMeasurementInputSchema, input, 'measurement');
    requirePlausible(m.value, m.unit);
    const measurement = { id: uuidv7(), name: m.name, value: m.value, unit: m.unit, recordedAt: isoAt(this.clock) };
    return this.edit(m.workOrderId, (wo) => ({ values: { measurements: [...wo.measurements, measurement] }, summary: `Measured ${m.name} ${m.value} ${m.unit}`.trim() }));
  }

  async updateMeasurement(input: z.input<typeof updateMeasurementInputSchema>): Promise<LocalWriteResult> {
    const c = parseOrThrow(updateMeasurementInputSchema, input, 'measurement correction');
    return this.edit(c.workOrderId, (wo) => {
      requireOpenForCorrections(wo);
      const current = wo.measurements.find((m) => m.id === c.measurementId);
      if (!current) throw new FieldlineError('NOT_FOUND', 'That measurement is not on this work order');
      const next = { ...current, ...(c.name !== undefined ? { name: c.name } : {}), ...(c.value !== undefined ? { value: c.value } : {}), ...(c.unit !== undefined ? { unit: c.unit } : {}) };
      requirePlausible(next.value, next.unit);
      return { values: { measurements: wo.measurements.map((m) => (m.id === current.id ? next : m)) }, summary: `Corrected ${next.name} to ${next.value} ${next.unit}` };
    });
  }

  async removeMeasurement(input: z.input<typeof removeMeasurementInputSchema>): Promise<LocalWriteResult> {
    const c = parseOrThrow(removeMeasurementInputSchema, input, 'measurement');
    return this.edit(c.workOrderId, (wo) => {
      requireOpenForCorrections(wo);
      const current = wo.measurements.find((m) => m.id === c.measurementId);
      if (!current) throw new FieldlineError('NOT_FOUND', 'That measurement is not on this work order');
      return { values: { measurements: wo.measurements.filter((m) => m.id !== current.id) }, summary: `Removed the reading ${current.name}` };
    });
  }

  async updateLabor(input: z.input<typeof updateLaborInputSchema>): Promise<LocalWriteResult> {
    const c = parseOrThrow(updateLaborInputSchema, input, 'labor correction');
    return this.edit(c.workOrderId, (wo) => {
      const current = this.ownLabor(wo, c.laborId);
      const next = { ...current, ...(c.minutes !== undefined ? { minutes: c.minutes } : {}), ...(c.note !== undefined ? { note: c.note } : {}) };
      return { values: { laborRecords: wo.laborRecords.map((l) => (l.id === current.id ? next : l)) }, summary: `Corrected labor to ${next.minutes} min` };
    });
  }

  async removeLabor(input: z.input<typeof removeLaborInputSchema>): Promise<LocalWriteResult> {
    const c = parseOrThrow(removeLaborInputSchema, input, 'labor entry');
    return this.edit(c.workOrderId, (wo) => {
      const current = this.ownLabor(wo, c.laborId);
      return { values: { laborRecords: wo.laborRecords.filter((l) => l.id !== current.id) }, summary: `Removed ${current.minutes} min of labor` };
    });
  }

  /** A labor entry the user may correct: their own (a supervisor: anyone's), on a work order not yet completed. */
  private ownLabor(wo: WorkOrder, laborId: string) {
    requireOpenForCorrections(wo);
    const current = wo.laborRecords.find((l) => l.id === laborId);
    if (!current) throw new FieldlineError('NOT_FOUND', 'That labor entry is not on this work order');
    const user = this.user();
    if (current.userId !== user.id && !overseesSites(user.role)) throw new FieldlineError('PERMISSION_DENIED', 'You can correct only your own labor entries');
    return current;
  }

  async setLabels(input: z.input<typeof setLabelsInputSchema>): Promise<LocalWriteResult> {
    const c = parseOrThrow(setLabelsInputSchema, input, 'tags and categories');
    const values: FieldValues = {};
    if (c.tags) values.tags = [...new Set(c.tags)];
    if (c.categories) values.categories = [...new Set(c.categories)];
    if (Object.keys(values).length === 0) throw new FieldlineError('VALIDATION_ERROR', 'Nothing to change: give tags or categories');
    return this.edit(c.workOrderId, () => ({ values, summary: `Edited ${fieldNames(Object.keys(values)).toLowerCase()}` }));
  }

  async editNotes(input: z.input<typeof editNotesInputSchema>): Promise<LocalWriteResult> {
    const { workOrderId, ...fields } = parseOrThrow(editNotesInputSchema, input, 'notes');
    const values: FieldValues = {};
    if (fields.completionNotes !== undefined) values.completionNotes = fields.completionNotes;
    if (fields.rootCause !== undefined) values.rootCause = fields.rootCause;
    if (fields.description !== undefined) values.description = fields.description;
    if (Object.keys(values).length === 0) throw new FieldlineError('VALIDATION_ERROR', 'Nothing to change: give notes, root cause or description');
    return this.edit(workOrderId, () => ({ values, summary: `Edited ${fieldNames(Object.keys(values)).toLowerCase()}` }));
  }

  /** A new work order, made offline; an emergency goes out with priority 1. */
  async create(input: z.input<typeof createWorkOrderInputSchema>): Promise<{ id: string } & LocalWriteResult> {
    const c = parseOrThrow(createWorkOrderInputSchema, input, 'new work order');
    const user = this.user();
    if (!user.siteIds.includes(c.siteId)) throw new FieldlineError('PERMISSION_DENIED', 'You can create work orders only at your sites');
    const now = isoAt(this.clock);
    const id = newRecordId();
    const record: WorkOrder = {
      id,
      number: null,
      siteId: c.siteId,
      assetId: c.assetId,
      type: c.type,
      title: c.title,
      description: c.description,
      priority: c.priority,
      status: c.draft ? 'draft' : 'assigned',
      assignedTo: user.id,
      createdBy: user.id,
      createdAt: now,
      updatedAt: now,
      scheduledStart: null,
      scheduledEnd: null,
      ...workNotStarted(c.tasks),
    };
    const data: JsonRecord & { id: string } = { ...workOrderSchema.parse(record), id };
    const dependsOn = c.assetId ? [`asset/${c.assetId}`] : [];
    const result = await writeLocalChange(this.db, this.clock, { kind: 'create', entity: 'workOrder', record: data, summary: `Created ${c.type} work order "${c.title}"`, dependsOn });
    this.changed(result);
    return { id, ...result };
  }

  async deleteDraft(workOrderId: string): Promise<LocalWriteResult> {
    const wo = await this.current(workOrderId);
    if (wo.status !== 'draft' || wo.createdBy !== this.user().id) throw new FieldlineError('PERMISSION_DENIED', 'Only your own drafts can be deleted');
    const result = await writeLocalChange(this.db, this.clock, { kind: 'delete', entity: 'workOrder', id: workOrderId, summary: `Deleted draft "${wo.title}"` });
    this.changed(result);
    return result;
  }
}

/** Readings and labor are corrected while the work is open; a completed work order is a record of the visit. */
function requireOpenForCorrections(wo: WorkOrder): void {
  if (!unfinishedStatuses.includes(wo.status)) {
    throw new FieldlineError('VALIDATION_ERROR', `${wo.number ?? 'This work order'} is ${wo.status}: its measurements and labor can no longer be changed here (a supervisor can reopen it)`);
  }
}

function requirePlausible(value: number, unit: string): void {
  const problem = measurementProblem(value, unit);
  if (problem) throw new FieldlineError('VALIDATION_ERROR', problem, { field: 'value' });
}
