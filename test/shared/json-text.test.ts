import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { asciiJson, isJson, jsonSchema, parseJsonOrUndefined } from '../../src-shared/domain/json';
import { storableChar } from '../support/storable-text';

const onlyAscii = (text: string) => [...text].every((char) => char.charCodeAt(0) < 0x80);

/** Any JSON, its strings drawn from every UTF-16 code unit (fast-check's default is ASCII alone). */
const anyJson = fc.jsonValue({ stringUnit: storableChar }).map((value) => jsonSchema.parse(value));

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

describe('isJson and jsonSchema', () => {
  it('refuse text holding the NUL character, which not every backend stores, at any depth', () => {
    for (const value of ['a\u0000b', ['ok', '\u0000'], { note: { deep: '\u0000' } }, { ['k\u0000']: 1 }]) {
      expect(isJson(value)).toBe(false);
      expect(jsonSchema.safeParse(value).success).toBe(false);
    }
  });

  it('accept every JSON value of storable text, nested (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: storableChar }), (value) => {
        expect(isJson(value)).toBe(true);
        expect(jsonSchema.safeParse(value).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuse what JSON text cannot hold, however deep it sits (property)', () => {
    const notJson = fc.constantFrom<unknown>(undefined, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, () => 1, Symbol('s'), 10n, new Date(0), new Map(), new Set([1]), /x/);
    // The value hidden at the end of a path of lists and objects.
    const hidden = fc.tuple(notJson, fc.array(fc.oneof(fc.constant('list'), fc.string({ maxLength: 5 })), { maxLength: 6 })).map(([bad, path]) =>
      path.reduce<unknown>((inner, step) => (step === 'list' ? [1, inner] : { keep: 'x', [step]: inner }), bad),
    );
    fc.assert(
      fc.property(hidden, (value) => {
        expect(isJson(value)).toBe(false);
        expect(jsonSchema.safeParse(value).success).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a cyclic value and one nested deeper than any record, without overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(jsonSchema.safeParse(cyclic).success).toBe(false);
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(isJson(deep)).toBe(false);
    let shallow: unknown = 'leaf';
    for (let i = 0; i < 20; i++) shallow = { next: shallow };
    expect(isJson(shallow)).toBe(true);
  });

  it('says what is wrong and where', () => {
    const result = jsonSchema.safeParse({ readings: [1, Number.NaN] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/expected a JSON value/);
  });
});
