import type { EntityName } from './entity-registry';
import type { Json } from './json';

type Fields = { readonly [field: string]: Json | undefined };

const text = (value: Json | undefined) => (typeof value === 'string' ? value.trim().toLowerCase() : '');

/**
 * The key by which two devices creating "the same" record offline are recognised as a
 * create-create duplicate: the same emergency on the same asset, the same photo twice. Null: the
 * record has no natural key and is never deduplicated.
 */
export function naturalKeyOf(entity: EntityName, data: Fields): string | null {
  switch (entity) {
    case 'workOrder':
      if (typeof data.assetId !== 'string' || (data.type !== 'emergency' && data.type !== 'corrective')) return null;
      return `${text(data.siteId)}|${text(data.assetId)}|${text(data.type)}|${text(data.title)}`;
    case 'asset':
      return `${text(data.siteId)}|${text(data.tag)}`;
    case 'part':
      return `${text(data.siteId)}|${text(data.partNumber)}`;
    case 'attachment':
      return `${text(data.workOrderId)}|${text(data.sha256)}`;
    case 'site':
      return text(data.code);
    case 'user':
      return text(data.username);
  }
}
