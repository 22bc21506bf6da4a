import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import { serverCopyFromView } from '../../../src-shared/sync/server-copy';
import { parseData } from './stored-json';

/**
 * The server copy of a record (docs/architecture.md, glossary): `server_data` where one is kept, else the local view with the
 * bases of its pending fields put back (serverCopyFromView; with nothing pending, `data` itself).
 * Null for a record created here and not yet acknowledged (version 0).
 * `parsedData`: `data` already parsed by the caller, read, never changed.
 */
export function serverCopyOf(
  row: { version: number; data: string; server_data: string | null },
  bases: FieldValues,
  parsedData?: JsonRecord,
): JsonRecord | null {
  if (row.server_data !== null) return parseData(row.server_data);
  return row.version > 0 ? serverCopyFromView(parsedData ?? parseData(row.data), bases) : null;
}
