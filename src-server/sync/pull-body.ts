import type { ResetReason } from '../../src-shared/protocol/pull';
import type { ServerInfo } from '../../src-shared/protocol/server-info';

/** A change as the server stores it: `data` is the record's stored JSON text (upserts only). */
export interface PulledRow {
  entity: string;
  id: string;
  version: number;
  data: string;
  op: 'upsert' | 'delete' | 'remove';
}

export interface PullPage {
  changes: readonly PulledRow[];
  cursor: string;
  hasMore: boolean;
  reset: boolean;
  resetReason?: ResetReason;
  /** On a snapshot's first page: how many records the snapshot holds, for the device's progress bar. */
  total?: number;
  server: ServerInfo;
}

/**
 * Both forms of a pull answer are assembled as text with each record's stored JSON spliced in,
 * never parsed and re-serialised: the first sync of 100k records would be dominated by exactly that.
 */
const changeFields = (c: PulledRow) => `"entity":${JSON.stringify(c.entity)},"id":${JSON.stringify(c.id)},"op":"${c.op}","version":${c.version}`;

const answerTail = (page: PullPage) =>
  `"cursor":${JSON.stringify(page.cursor)},"hasMore":${page.hasMore}${page.reset ? ',"reset":true' : ''}${page.resetReason ? `,"resetReason":"${page.resetReason}"` : ''}${page.total !== undefined ? `,"total":${page.total}` : ''},"server":${JSON.stringify(page.server)}}`;

/** The answer as one JSON document (docs/protocol.md, Pull). */
export function pullAnswerJson(page: PullPage): string {
  const items = page.changes.map((c) => (c.op === 'upsert' ? `{${changeFields(c)},"data":${c.data}}` : `{${changeFields(c)}}`));
  return `{"changes":[${items.join(',')}],${answerTail(page)}`;
}

/** The answer as lines (pullLinesMediaType): the document without data, then each upsert's data. */
export function pullAnswerLines(page: PullPage): string {
  const head = `{"changes":[${page.changes.map((c) => `{${changeFields(c)}}`).join(',')}],${answerTail(page)}`;
  const data = page.changes.filter((c) => c.op === 'upsert').map((c) => c.data);
  return [head, ...data].join('\n');
}
