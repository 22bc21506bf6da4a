/**
 * The work-order list's search: words matched by their beginning ("pum" finds "pump", "WO-0001"
 * finds WO-000123), every word of the query required. The device answers it from a full-text index
 * (SQLite FTS5), which costs a 100k-record first sync far less than a substring index would.
 */

/**
 * Letters and digits that FTS5's unicode61 tokenizer certainly reads as one word: its tables are
 * Unicode 6.1's, so a letter assigned or reclassified later (U+1CF2, found by the property test)
 * would split a quoted word in two, a phrase query, which detail=none refuses. Latin, Greek,
 * Cyrillic, Hebrew, Arabic, Thai, kana, Hangul and CJK as of 6.1; anything else separates words.
 */
const word =
  /(?:(?=[\p{L}\p{N}])[0-9A-Za-z\u00AA\u00B5\u00BA\u00C0-\u024F\u0386-\u03CE\u0400-\u04FF\u05D0-\u05EA\u0621-\u064A\u0660-\u0669\u0E01-\u0E30\u3041-\u3096\u30A1-\u30FA\u4E00-\u9FCB\uAC00-\uD7A3])+/gu;

/** The words of a search, lower-cased, in order, without repeats. */
export function searchWords(search: string): string[] {
  return [...new Set(search.toLowerCase().match(word) ?? [])];
}

/**
 * The FTS5 MATCH expression for a search: each word quoted (nothing the user types is read as
 * query syntax) and a prefix, all required. Null when the search has no word in it: no filter.
 */
export function searchMatchExpression(search: string): string | null {
  const words = searchWords(search);
  return words.length === 0 ? null : words.map((w) => `"${w}"*`).join(' AND ');
}

/**
 * The text a work order is found by: number, title and description, and the number's digits
 * without leading zeros, so "123" finds WO-000123 as a technician reads it off a tag.
 */
export function workOrderSearchText(fields: { number?: unknown; title?: unknown; description?: unknown }): string {
  const parts = [fields.number, fields.title, fields.description].filter((v): v is string => typeof v === 'string');
  const digits = typeof fields.number === 'string' ? fields.number.replace(/^\D*0*/, '') : '';
  if (digits.length > 0 && /^\d+$/.test(digits)) parts.push(digits);
  return parts.join(' ').toLowerCase();
}
