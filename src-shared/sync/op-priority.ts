import type { EntityName } from '../domain/entity-registry';
import type { Json } from '../domain/json';

/**
 * The op priorities, 1 (highest) to 10: emergency creation 1, critical status change 2,
 * completion 3, parts consumption 4, standard update 5, labor 6, photo 7, document 8, metadata 9.
 */
export function opPriority(entity: EntityName, kind: 'create' | 'update' | 'delete', values: { readonly [field: string]: Json }): number {
  if (entity === 'workOrder') {
    if (kind === 'create') return values.type === 'emergency' || values.priority === 'critical' ? 1 : 5;
    if (kind === 'delete') return 5;
    const fields = Object.keys(values);
    if (values.status === 'completed') return 3;
    if (fields.includes('partsUsed')) return 4;
    if (fields.length > 0 && fields.every((f) => f === 'tags' || f === 'categories')) return 9;
    if (fields.length > 0 && fields.every((f) => f === 'laborRecords')) return 6;
    return 5;
  }
  if (entity === 'asset') return 2;
  if (entity === 'attachment') return values.kind === 'document' ? 8 : 7;
  return 9;
}

/** A priority in words, for the queue: why this change goes before or after the others. */
export function opPriorityLabel(priority: number): string {
  if (priority <= 1) return 'Urgent (emergency)';
  if (priority === 2) return 'Urgent (asset state)';
  if (priority === 3) return 'High (completion)';
  if (priority === 4) return 'High (parts used)';
  if (priority === 5) return 'Normal';
  if (priority === 6) return 'Normal (labor)';
  if (priority <= 8) return 'Low (file)';
  return 'Low (tags)';
}
