import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asciiJson, jsonSchema } from '../../src-shared/domain/json';
import { pullResponseSchema } from '../../src-shared/protocol/pull';
import { parsePullLines, pulledData } from '../../src-shared/protocol/pull-lines';
import { pullAnswerJson, pullAnswerLines, type PullPage, type PulledRow } from '../../src-server/sync/pull-body';
import { storableChar } from '../support/storable-text';

const recordData = fc.dictionary(fc.string({ unit: storableChar, maxLength: 8 }), fc.jsonValue({ stringUnit: storableChar, maxDepth: 2 }), { maxKeys: 5 }).map((d) => jsonSchema.parse(d));
const storedText = fc.oneof(recordData.map(asciiJson), recordData.map((d) => JSON.stringify(d)));

const pulledRow: fc.Arbitrary<PulledRow> = fc.record({
  entity: fc.constantFrom('workOrder', 'asset', 'part'),
  id: fc.uuid({ version: 7 }),
  version: fc.nat(),
  op: fc.constantFrom('upsert', 'delete', 'remove'),
  data: storedText,
});
const pullPage: fc.Arbitrary<PullPage> = fc.record({
  changes: fc.array(pulledRow, { maxLength: 8 }),
  cursor: fc.string(),
  hasMore: fc.boolean(),
  reset: fc.boolean(),
  server: fc.record({ id: fc.uuid({ version: 7 }), head: fc.nat(), features: fc.constant(['as-sent-answers']) }),
});

const examplePage: PullPage = {
  changes: [
    { entity: 'workOrder', id: '01930000-0000-7000-8000-000000000001', version: 4, op: 'upsert', data: '{"title":"Pump at 62 \\u00b0C","tasks":[]}' },
    { entity: 'workOrder', id: '01930000-0000-7000-8000-000000000002', version: 2, op: 'delete', data: '{}' },
  ],
  cursor: 'c1',
  hasMore: false,
  reset: false,
  server: { id: '01930000-0000-7000-8000-0000000000aa', head: 9, features: ['as-sent-answers'] },
};

describe('pull answers as lines', () => {
  it('carry what the JSON answer carries, and each upsert’s data as the server stored it (property)', () => {
    fc.assert(
      fc.property(pullPage, (page) => {
        const fromLines = parsePullLines(pullAnswerLines(page));
        const fromJson = pullResponseSchema.parse(JSON.parse(pullAnswerJson(page)));
        // Data read from the lines (pulledData) is what the JSON answer holds.
        const read = fromLines.changes.map((change) => {
          const { dataText: _text, ...rest } = change;
          return { ...rest, data: pulledData(change) };
        });
        expect(read).toEqual(fromJson.changes);
        expect({ ...fromLines, changes: [] }).toEqual({ ...fromJson, changes: [] });
        const upserts = page.changes.filter((c) => c.op === 'upsert');
        expect(fromLines.changes.flatMap((c) => (c.dataText === undefined ? [] : [c.dataText]))).toEqual(upserts.map((c) => c.data));
      }),
      { numRuns: 300 },
    );
  });

  it('an answer cut short, with a line too many, or with a damaged first line is refused as SERVER_ERROR', () => {
    const lines = pullAnswerLines(examplePage).split('\n');
    expect(lines).toHaveLength(2);
    expect(parsePullLines(`${lines.join('\n')}\n`).changes).toHaveLength(2);
    const refusals = [lines[0] ?? '', [...lines, '{}'].join('\n'), ['{"changes":', lines[1]].join('\n'), ''];
    for (const text of refusals) expect(() => parsePullLines(text), text).toThrow(expect.objectContaining({ code: 'SERVER_ERROR' }));
  });

  it('a damaged data line is refused as SERVER_ERROR when its data is read', () => {
    const [head] = pullAnswerLines(examplePage).split('\n');
    const upsertWith = (dataLine: string) => {
      const [upsert] = parsePullLines([head, dataLine].join('\n')).changes;
      if (!upsert) throw new Error('the answer lost its upsert');
      return upsert;
    };
    expect(pulledData(upsertWith('{"title":"Pump","tasks":[]}'))).toEqual({ title: 'Pump', tasks: [] });
    for (const damaged of ['{"title":', '[1,2]', '"text"', 'null']) {
      const upsert = upsertWith(damaged);
      expect(upsert.dataText).toBe(damaged);
      expect(() => pulledData(upsert), damaged).toThrow(expect.objectContaining({ code: 'SERVER_ERROR', message: expect.stringContaining('the data of workOrder') }));
    }
  });
});
