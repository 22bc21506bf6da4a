import { parse } from 'csv-parse/sync';
import { importRowSchemas, type ImportEntity } from '../../src-shared/protocol/admin';
import { FieldlineError } from '../../src-shared/protocol/errors';
import type { RawRow } from './row-import';

/** `external_id`, `External ID` and `externalId` are one column: spreadsheets name columns as people write them. */
function columnKey(header: string): string {
  return header.toLowerCase().replace(/[\s_-]/g, '');
}

/**
 * A CSV file as the rows of an import: the first line names the columns (the fields of
 * docs/administration.md, in any case, with or without underscores), an empty cell gives no value,
 * and each row keeps the line it ends on for the report. A file that is not CSV at all is refused
 * with the parser's reason and line.
 */
export function rowsOfCsv(entity: ImportEntity, csv: string): RawRow[] {
  const fields = new Map(Object.keys(importRowSchemas[entity].shape).map((field) => [columnKey(field), field]));
  try {
    const records: { record: Record<string, string>; info: { lines: number } }[] = parse(csv, {
      bom: true,
      columns: (headers: string[]) => headers.map((header) => fields.get(columnKey(header)) ?? header.trim()),
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
    return records.map(({ record, info }) => ({ line: info.lines, values: Object.fromEntries(Object.entries(record).filter(([, cell]) => cell !== '')) }));
  } catch (error) {
    throw new FieldlineError('VALIDATION_ERROR', `The file cannot be read as CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
}
