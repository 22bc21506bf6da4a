import fc from 'fast-check';

/**
 * A character every backend stores: any UTF-16 unit or astral code point, lone surrogates
 * included, but NUL, which the shared schemas refuse (src-shared/domain/text.ts).
 */
export const storableChar = fc.integer({ min: 1, max: 0x10ffff }).map((cp) => (cp <= 0xffff ? String.fromCharCode(cp) : String.fromCodePoint(cp)));
