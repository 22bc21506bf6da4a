import type { Json } from '../../src-shared/domain/json';

/** The patch of a work-order create op: every device-writable field, base null (docs/protocol.md). */
export function workOrderCreatePatch(fields: { siteId: string; assetId: string | null; type: string; title: string } & Record<string, Json>) {
  const record: Record<string, Json> = {
    description: '',
    priority: 'medium',
    status: 'assigned',
    assignedTo: null,
    scheduledStart: null,
    scheduledEnd: null,
    actualStart: null,
    actualEnd: null,
    tasks: [],
    partsRequired: [],
    partsUsed: [],
    laborRecords: [],
    measurements: [],
    completionNotes: null,
    rootCause: null,
    tags: [],
    categories: [],
    ...fields,
  };
  return Object.fromEntries(Object.entries(record).map(([field, value]) => [field, { base: null, value }]));
}
