import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { EntityName } from '../../src-shared/domain/entity-registry';
import type { FieldConflict } from '../../src-shared/merge/merge-patch';
import { conflictSchema, fieldConflictSchema, refusalSchema, type Conflict, type ConflictKind, type Refusal } from '../../src-shared/protocol/conflicts';
import { recordDataSchema } from '../../src-shared/protocol/push';
import type { ConflictsTable } from '../db/schema';

export interface NewConflict {
  entity: EntityName;
  recordId: string;
  kind: ConflictKind;
  fields: FieldConflict[];
  opId: string;
  deviceId: string;
  userId: string;
  siteId: string | null;
  survivorId: string | null;
  clientVersion: number;
  serverVersion: number;
  createdAt: string;
  refusal?: Refusal;
}

/** Auto-resolved conflicts are kept for the audit trail; open ones wait for a person. */
export function newConflictRow(c: NewConflict): ConflictsTable {
  const open = c.kind === 'update-delete' || c.kind === 'delete-update' || c.kind === 'refused' || c.fields.some((f) => f.outcome === 'manual');
  return {
    id: uuidv7(),
    entity: c.entity,
    record_id: c.recordId,
    kind: c.kind,
    status: open ? 'open' : 'auto-resolved',
    fields: JSON.stringify(c.fields),
    op_id: c.opId,
    device_id: c.deviceId,
    user_id: c.userId,
    site_id: c.siteId,
    survivor_id: c.survivorId,
    client_version: c.clientVersion,
    server_version: c.serverVersion,
    created_at: c.createdAt,
    resolved_at: null,
    resolved_by: null,
    resolution: null,
    refusal: c.refusal ? JSON.stringify(c.refusal) : null,
  };
}

export function conflictFromRow(row: ConflictsTable): Conflict {
  return conflictSchema.parse({
    id: row.id,
    entity: row.entity,
    recordId: row.record_id,
    kind: row.kind,
    status: row.status,
    fields: z.array(fieldConflictSchema).parse(JSON.parse(row.fields)),
    opId: row.op_id,
    deviceId: row.device_id,
    userId: row.user_id,
    siteId: row.site_id,
    survivorId: row.survivor_id,
    clientVersion: row.client_version,
    serverVersion: row.server_version,
    createdAt: row.created_at,
    resolvedAt: row.resolved_at,
    resolvedBy: row.resolved_by,
    resolution: row.resolution === null ? null : recordDataSchema.parse(JSON.parse(row.resolution)),
    refusal: row.refusal === null ? null : refusalSchema.parse(JSON.parse(row.refusal)),
  });
}
