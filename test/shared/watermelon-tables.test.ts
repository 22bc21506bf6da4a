import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { fieldFromColumn, toRaw, watermelonColumns } from '../../src-shared/watermelon/tables';

const iso = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2035-01-01T00:00:00Z') }).map((ms) => new Date(ms).toISOString());
const text = fc.string({ maxLength: 30 }).filter((s) => !s.includes('\u0000'));
const id = fc.uuid({ version: 7 });
const workOrder = fc.record({
  id,
  number: fc.option(text.map((s) => `WO-${s}`), { nil: null }),
  siteId: id,
  assetId: fc.option(id, { nil: null }),
  type: fc.constantFrom('preventive', 'corrective', 'inspection', 'emergency'),
  title: text.map((s) => `T${s}`),
  description: text,
  priority: fc.constantFrom('low', 'medium', 'high', 'critical'),
  status: fc.constantFrom('open', 'assigned', 'in-progress', 'completed'),
  assignedTo: fc.option(id, { nil: null }),
  createdBy: id,
  createdAt: iso,
  updatedAt: iso,
  scheduledStart: fc.option(iso, { nil: null }),
  scheduledEnd: fc.option(iso, { nil: null }),
  actualStart: fc.option(iso, { nil: null }),
  actualEnd: fc.option(iso, { nil: null }),
  tasks: fc.array(fc.record({ id: text.map((s) => `t${s}`), title: text.map((s) => `x${s}`), done: fc.boolean(), doneAt: fc.option(iso, { nil: null }), doneBy: fc.option(id, { nil: null }) }), { maxLength: 3 }),
  partsRequired: fc.array(fc.constant(null), { maxLength: 0 }),
  partsUsed: fc.array(fc.constant(null), { maxLength: 0 }),
  laborRecords: fc.array(fc.constant(null), { maxLength: 0 }),
  measurements: fc.array(fc.record({ id: text.map((s) => `m${s}`), name: text.map((s) => `n${s}`), value: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), unit: fc.constantFrom('A', 'V', 'bar'), recordedAt: iso }), { maxLength: 3 }),
  completionNotes: fc.option(text, { nil: null }),
  rootCause: fc.option(text, { nil: null }),
  tags: fc.array(text.map((s) => `g${s}`), { maxLength: 3 }),
  categories: fc.array(text, { maxLength: 0 }),
});

describe('work orders as WatermelonDB raw records', () => {
  it('every field comes back from its column as it went: times as milliseconds, lists as JSON text', () => {
    fc.assert(
      fc.property(workOrder, (wo) => {
        expect(workOrderSchema.safeParse(wo).success).toBe(true);
        const raw = toRaw('workOrder', wo, 3);
        const fields = new Map<string, unknown>(Object.entries(wo));
        for (const { field, column } of watermelonColumns('workOrder')) {
          expect(fieldFromColumn('workOrder', column, raw[column])).toEqual({ field, value: fields.get(field) });
        }
      }),
    );
  });

  it('a column a table does not have, or a value of the wrong kind, is refused by name', () => {
    expect(fieldFromColumn('workOrder', 'colour', 'red')).toEqual({ error: 'work_orders has no column colour' });
    expect(fieldFromColumn('workOrder', 'scheduled_end', 'tomorrow')).toEqual({ error: 'scheduled_end: expected a time in milliseconds' });
    expect(fieldFromColumn('workOrder', 'tasks', '{not json')).toEqual({ error: 'tasks: not JSON' });
  });
});
