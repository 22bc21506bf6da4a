import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changedListColumns, listColumns } from '../../src-main/core/store/list-columns';

const text = fc.option(fc.constantFrom('a', 'b', 'Pump P-101', 'open', 'closed'), { nil: null });
const stored = fc.record({ site_id: text, status: text, priority: text, assigned_to: text, scheduled_end: text, work_order_id: text, search_text: text });
const workOrder = fc.record({
  siteId: fc.constantFrom('a', 'b'),
  status: fc.constantFrom('open', 'closed'),
  priority: fc.constantFrom('a', 'b'),
  number: fc.constantFrom('WO-1', 'WO-2'),
  title: fc.constantFrom('Pump P-101', 'Fan'),
  description: fc.constantFrom('', 'noisy'),
  scheduledEnd: fc.option(fc.constantFrom('a', 'b'), { nil: null }),
});

describe('the list columns a local write sets', () => {
  it('are exactly those that differ, and with them the row holds the new list columns', () => {
    fc.assert(
      fc.property(workOrder, stored, (data, row) => {
        const changed = changedListColumns('workOrder', data, row);
        expect({ ...row, ...changed }).toEqual(listColumns('workOrder', data));
        const set = new Map(Object.entries(changed));
        for (const [column, value] of Object.entries(row)) if (set.has(column)) expect(set.get(column)).not.toBe(value);
      }),
    );
  });

  it('are none for an edit that leaves them alone', () => {
    const data = { siteId: 'a', status: 'open', priority: 'b', number: 'WO-1', title: 'Pump', description: '', measurements: [] };
    expect(changedListColumns('workOrder', { ...data, measurements: [{ name: 'V' }] }, listColumns('workOrder', data))).toEqual({});
  });
});
