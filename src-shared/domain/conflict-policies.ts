import { z } from 'zod';
import type { EntityName } from './entity-registry';

/**
 * How a field's conflict is decided when the server's value is no longer the base the device
 * edited from (design.md §4 and its table of work-order policies).
 */
export const fieldPolicies = [
  'server-wins',
  'client-wins',
  'last-write-wins',
  'merge-by-key',
  'union',
  'manual',
  'status',
] as const;
export const fieldPolicySchema = z.enum(fieldPolicies);
export type FieldPolicy = z.infer<typeof fieldPolicySchema>;

const workOrderPolicies: Readonly<Record<string, FieldPolicy>> = {
  // Planning belongs to the office.
  scheduledStart: 'server-wins',
  scheduledEnd: 'server-wins',
  assignedTo: 'server-wins',
  priority: 'server-wins',
  type: 'server-wins',
  siteId: 'server-wins',
  assetId: 'server-wins',
  partsRequired: 'server-wins',
  // The technician on site has the facts.
  tasks: 'merge-by-key',
  partsUsed: 'merge-by-key',
  laborRecords: 'merge-by-key',
  measurements: 'merge-by-key',
  actualStart: 'client-wins',
  actualEnd: 'client-wins',
  status: 'status',
  // Two people wrote different text: a person decides.
  completionNotes: 'manual',
  rootCause: 'manual',
  // Additive data.
  tags: 'union',
  categories: 'union',
  title: 'last-write-wins',
  description: 'last-write-wins',
};

const policies: { readonly [E in EntityName]: Readonly<Record<string, FieldPolicy>> } = {
  site: {},
  asset: { status: 'server-wins' },
  part: {},
  user: {},
  workOrder: workOrderPolicies,
  attachment: { description: 'last-write-wins' },
};

export function policyFor(entity: EntityName, field: string): FieldPolicy {
  return policies[entity][field] ?? 'last-write-wins';
}
