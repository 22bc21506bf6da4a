import type { Json } from '../../src-shared/domain/json';
import { workNotStarted } from '../../src-shared/domain/new-work-order';

/** The patch of a work-order create op: every device-writable field, base null (docs/protocol.md). */
export function workOrderCreatePatch(fields: { siteId: string; assetId: string | null; type: string; title: string } & Record<string, Json>) {
  const record: Record<string, Json> = {
    description: '',
    priority: 'medium',
    status: 'assigned',
    assignedTo: null,
    scheduledStart: null,
    scheduledEnd: null,
    ...workNotStarted([]),
    ...fields,
  };
  return Object.fromEntries(Object.entries(record).map(([field, value]) => [field, { base: null, value }]));
}
