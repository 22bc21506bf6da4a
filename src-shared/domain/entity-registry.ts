import { z } from 'zod';
import {
  assetSchema,
  attachmentMetaSchema,
  partSchema,
  siteSchema,
  userSchema,
  workOrderSchema,
  type Asset,
  type AttachmentMeta,
  type Part,
  type Site,
  type User,
  type WorkOrder,
} from './entities';

export const entityNames = ['site', 'asset', 'part', 'user', 'workOrder', 'attachment'] as const;
export const entityNameSchema = z.enum(entityNames);
export type EntityName = z.infer<typeof entityNameSchema>;

export interface EntityRecords {
  site: Site;
  asset: Asset;
  part: Part;
  user: User;
  workOrder: WorkOrder;
  attachment: AttachmentMeta;
}

export const entitySchemas = {
  site: siteSchema,
  asset: assetSchema,
  part: partSchema,
  user: userSchema,
  workOrder: workOrderSchema,
  attachment: attachmentMetaSchema,
} as const satisfies { [E in EntityName]: z.ZodType<EntityRecords[E]> };

/**
 * Fields the server owns: a device never sends them in a patch. The server fills them on create
 * (number, createdBy, createdAt) and on every write (updatedAt).
 */
export const serverManagedFields = {
  site: ['id'],
  asset: ['id'],
  part: ['id'],
  user: ['id'],
  workOrder: ['id', 'number', 'createdBy', 'createdAt', 'updatedAt'],
  attachment: ['id', 'capturedBy', 'uploaded'],
} as const satisfies { readonly [E in EntityName]: readonly (keyof EntityRecords[E])[] };

/** The fields of an entity a device may send in a patch: every field but those the server owns. */
export type DeviceField<E extends EntityName> = Exclude<keyof EntityRecords[E], (typeof serverManagedFields)[E][number]>;

export function isServerManaged(entity: EntityName, field: string): boolean {
  const managed: readonly string[] = serverManagedFields[entity];
  return managed.includes(field);
}

/**
 * Fields that describe what was created and never change after: an attachment's kind, type, size,
 * hash and name are those of the file the upload checked (a type changed later could have a
 * document served as a web page).
 */
export const fixedAfterCreateFields: { readonly [E in EntityName]: readonly string[] } = {
  site: [],
  asset: [],
  part: [],
  user: [],
  workOrder: [],
  attachment: ['kind', 'mimeType', 'size', 'sha256', 'fileName'],
};

/** Which kinds of op a device may push per entity; the rest is office data, read-only on a device. */
export const deviceWritableKinds: { readonly [E in EntityName]: readonly ('create' | 'update' | 'delete')[] } = {
  site: [],
  asset: ['update'],
  part: [],
  user: [],
  workOrder: ['create', 'update', 'delete'],
  attachment: ['create', 'update', 'delete'],
};

/** Fields a technician may change on an existing record; supervisors may change every non-managed field. */
export const technicianEditableFields: { readonly [E in EntityName]: readonly string[] } = {
  site: [],
  asset: ['status'],
  part: [],
  user: [],
  workOrder: [
    'title',
    'description',
    'status',
    'actualStart',
    'actualEnd',
    'tasks',
    'partsUsed',
    'laborRecords',
    'measurements',
    'completionNotes',
    'rootCause',
    'tags',
    'categories',
  ],
  attachment: ['description'],
};

export function fieldNamesOf(entity: EntityName): readonly string[] {
  return Object.keys(entitySchemas[entity].shape);
}
