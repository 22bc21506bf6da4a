import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { searchMatchExpression, searchWords, workOrderSearchText } from '../../src-shared/domain/work-order-search';

describe('the work-order search', () => {
  it('splits a search into lower-case words of letters and digits, each once', () => {
    expect(searchWords('  Pump, P-101  pump "leak" ')).toEqual(['pump', 'p', '101', 'leak']);
    expect(searchWords('Kühlturm Straße')).toEqual(['kühlturm', 'straße']);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (search) => {
        const words = searchWords(search);
        for (const w of words) expect(w).toMatch(/^[\p{L}\p{N}]+$/u);
        // A letter unicode61 (Unicode 6.1) does not know separates words instead of joining them.
        expect(searchWords('Àᳲ一')).toEqual(['à', '一']);
        expect(new Set(words).size).toBe(words.length);
      }),
    );
  });

  it('asks for every word as a prefix, quoted so nothing typed is query syntax', () => {
    expect(searchMatchExpression('chill WO-12')).toBe('"chill"* AND "wo"* AND "12"*');
    expect(searchMatchExpression('pump OR NEAR(x) *')).toBe('"pump"* AND "or"* AND "near"* AND "x"*');
    expect(searchMatchExpression(' - * " ')).toBeNull();
    fc.assert(
      fc.property(fc.string(), (search) => {
        const expression = searchMatchExpression(search);
        if (searchWords(search).length === 0) expect(expression).toBeNull();
        else expect(expression).toMatch(/^"[\p{L}\p{N}]+"\*( AND "[\p{L}\p{N}]+"\*)*$/u);
      }),
    );
  });

  it('finds a work order by its number, its number without leading zeros, its title and its description', () => {
    expect(workOrderSearchText({ number: 'WO-000123', title: 'Pump seal', description: 'Leaks at the gland' })).toBe('wo-000123 pump seal leaks at the gland 123');
    expect(workOrderSearchText({ number: null, title: 'New', description: '' })).toBe('new ');
    expect(workOrderSearchText({ number: 'WO-000000', title: 'T', description: 'D' })).toBe('wo-000000 t d');
  });
});
