import { z } from 'zod';
import type { DeviceField, EntityName } from './entity-registry';

/**
 * How a field's conflict is decided when the server's value is no longer the base the device
 * edited from (docs/architecture.md, Conflicts and its table of work-order policies).
 */
export const conflictPolicies = [
  'server-wins',
  'client-wins',
  'last-write-wins',
  'merge-by-key',
  'union',
  'manual',
  'status',
] as const;
export const conflictPolicySchema = z.enum(conflictPolicies);
export type ConflictPolicy = z.infer<typeof conflictPolicySchema>;

/**
 * Every field a device may change has its policy written down, entity by entity: the compiler
 * refuses a table that misses one, so a field added or renamed cannot silently fall to a default
 * (a renamed manual field would otherwise lose its conflicts without a word).
 */
type PolicyTable<E extends EntityName> = { readonly [F in DeviceField<E>]: ConflictPolicy };

const workOrderPolicies: PolicyTable<'workOrder'> = {
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

/** Office data a supervisor edits: the later edit wins, except the asset's state, which planning owns. */
const policies: { readonly [E in EntityName]: PolicyTable<E> } = {
  site: { code: 'last-write-wins', name: 'last-write-wins', address: 'last-write-wins', timezone: 'last-write-wins' },
  asset: {
    siteId: 'server-wins',
    tag: 'last-write-wins',
    name: 'last-write-wins',
    type: 'last-write-wins',
    category: 'last-write-wins',
    manufacturer: 'last-write-wins',
    model: 'last-write-wins',
    serialNumber: 'last-write-wins',
    status: 'server-wins',
    location: 'last-write-wins',
  },
  part: { siteId: 'server-wins', partNumber: 'last-write-wins', description: 'last-write-wins', unit: 'last-write-wins', quantityAvailable: 'server-wins' },
  user: { username: 'server-wins', displayName: 'last-write-wins', role: 'server-wins', siteIds: 'server-wins' },
  workOrder: workOrderPolicies,
  attachment: {
    workOrderId: 'server-wins',
    kind: 'server-wins',
    fileName: 'server-wins',
    mimeType: 'server-wins',
    size: 'server-wins',
    sha256: 'server-wins',
    description: 'last-write-wins',
    capturedAt: 'server-wins',
    location: 'server-wins',
  },
};

/** A field's policy; a field no table names (not one of the entity's, refused by the push schema first) is decided by a person. */
export function conflictPolicyFor(entity: EntityName, field: string): ConflictPolicy {
  const table: Readonly<Record<string, ConflictPolicy>> = policies[entity];
  return table[field] ?? 'manual';
}
