import { isParsedJsonObject, parseJsonOrUndefined } from '../domain/json';
import { FieldlineError } from './errors';
import { changeSchema, pullResponseSchema, type Change, type PullResponse } from './pull';

/**
 * A pull answer as lines (docs/protocol.md, Pull): the first line is the answer's JSON with every
 * change's `data` left out; then one line per `upsert`, in order, holding its data's JSON. JSON
 * text never holds a raw newline, so the lines split safely.
 *
 * Why: a device stores each record as JSON text. From one JSON document it parsed the whole page
 * into objects and serialised every record back to text (a page of 5000 work orders: ~115 ms, much
 * of it that re-serialising and collecting a page's objects kept alive together); from lines it
 * keeps each record's text as it came and parses it only to read its list columns (pulledData).
 */
export const pullLinesMediaType = 'text/vnd.fieldline.pull-lines';

const pullLinesHeadSchema = pullResponseSchema.extend({ changes: changeSchema.omit({ data: true }).array() });

/**
 * A pulled change, whose data is read with pulledData: an upsert that came as lines holds its
 * record's text as it was sent (`dataText`), one from a JSON answer or a push's answer its record
 * parsed already (`parsed`). No `data` here, so nothing reads a line's record around pulledData.
 */
export type PulledChange = Omit<Change, 'data'> & { dataText?: string; parsed?: Change['data']; data?: never };
export type PulledPage = Omit<PullResponse, 'changes'> & { changes: PulledChange[] };

/** A pulled change whose data came parsed (a JSON answer, a push's answer). */
export function parsedChange({ data, ...change }: Change): PulledChange {
  return data === undefined ? change : { ...change, parsed: data };
}

const malformed = (detail: string) => new FieldlineError('SERVER_ERROR', `The server's pull answer is not in the expected format: ${detail}`);

export function parsePullLines(text: string): PulledPage {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const head = pullLinesHeadSchema.safeParse(parseJsonOrUndefined(lines[0] ?? ''));
  if (!head.success) throw malformed('its first line');
  let next = 1;
  const changes = head.data.changes.map((change): PulledChange => {
    if (change.op !== 'upsert') return change;
    const dataText = lines[next++];
    if (dataText === undefined) throw malformed(`it ends before the data of ${change.entity} ${change.id}`);
    return { ...change, dataText };
  });
  if (next !== lines.length) throw malformed(`${lines.length - next} lines more than its changes`);
  return { ...head.data, changes };
}

/**
 * A pulled upsert's data. From lines it is parsed here, as the change is applied, not with the
 * page: each record's objects are then garbage at once, instead of a page's 5000 records living
 * through its transaction and on into the old generation of a sync worker's capped heap. A damaged
 * line throws, which fails the page's transaction: nothing of the page is written.
 */
export function pulledData(change: PulledChange): Change['data'] {
  if (change.dataText === undefined) return change.parsed;
  const data = parseJsonOrUndefined(change.dataText);
  if (!isParsedJsonObject(data)) throw malformed(`the data of ${change.entity} ${change.id}`);
  return data;
}
