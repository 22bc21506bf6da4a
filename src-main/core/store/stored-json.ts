import { jsonSchema, type Json } from '../../../src-shared/domain/json';
import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import { recordDataSchema } from '../../../src-shared/protocol/push';

/* Records, ops and bases are stored as JSON text; read back, they are validated, never trusted. */

/** A JSON value stored as text (a base, a field's value). */
export function parseJson(text: string): Json {
  return jsonSchema.parse(JSON.parse(text));
}

export function parseData(text: string): JsonRecord {
  return recordDataSchema.parse(JSON.parse(text));
}
