import type { FieldValues } from '../../../src-shared/sync/coalesce';
import type { ClientTrx, OutboxTable } from '../store/client-schema';
import { parseData } from '../store/stored-json';

/** An op as the outbox table holds it, its sequence number read. */
export type OutboxRow = Omit<OutboxTable, 'seq'> & { seq: number };

/** A record's queued ops, oldest first. */
export async function opsFor(trx: ClientTrx, entity: string, id: string): Promise<OutboxRow[]> {
  return trx.selectFrom('outbox').selectAll().where('entity', '=', entity).where('record_id', '=', id).orderBy('seq').execute();
}

/** The values of a record's queued ops, later ops winning. */
export function pendingValues(ops: readonly OutboxRow[]): FieldValues {
  return ops.filter((op) => op.kind !== 'delete').reduce<FieldValues>((values, op) => ({ ...values, ...parseData(op.field_values) }), {});
}
