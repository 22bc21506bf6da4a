import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asciiJson, jsonSchema, parseJsonOrUndefined } from '../../src-shared/domain/json';

const onlyAscii = (text: string) => [...text].every((char) => char.charCodeAt(0) < 0x80);

/** Any JSON, its strings drawn from every UTF-16 code unit (fast-check's default is ASCII alone). */
const anyJson = fc.jsonValue({ stringUnit: 'binary' }).map((value) => jsonSchema.parse(value));

describe('asciiJson', () => {
  it('writes characters beyond ASCII as escapes that parse back to the same text', () => {
    const record = { unit: '°C', note: 'Prüfung bestanden ✓', emoji: 'pump 🛠 ok', plain: 'AHU-1' };
    const text = asciiJson(record);
    expect(text).toBe('{"unit":"\\u00b0C","note":"Pr\\u00fcfung bestanden \\u2713","emoji":"pump \\ud83d\\udee0 ok","plain":"AHU-1"}');
    expect(JSON.parse(text)).toEqual(record);
  });

  it('leaves ASCII text exactly as JSON.stringify writes it', () => {
    const record = { a: 'x"y\\z\n', b: [1, 2.5, null, true], c: { d: '' } };
    expect(asciiJson(record)).toBe(JSON.stringify(record));
  });

  it('is ASCII and means the same value, for any JSON (property)', () => {
    fc.assert(
      fc.property(anyJson, (value) => {
        const text = asciiJson(value);
        expect(onlyAscii(text)).toBe(true);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJsonOrUndefined', () => {
  it('gives the value of JSON text and undefined for anything else, never throwing', () => {
    expect(parseJsonOrUndefined('{"unit":"\\u00b0C"}')).toEqual({ unit: '°C' });
    expect(parseJsonOrUndefined('null')).toBeNull();
    for (const text of ['', '{', '{"a":1}x', 'undefined']) expect(parseJsonOrUndefined(text)).toBeUndefined();
  });
});
