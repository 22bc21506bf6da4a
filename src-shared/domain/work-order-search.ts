/**
 * The work-order list's search: words matched by their beginning ("pum" finds "pump", "WO-0001"
 * finds WO-000123), every word of the query required. The device answers it from a full-text index
 * (SQLite FTS5), which costs a 100k-record first sync far less than a substring index would.
 */

/** Letters and digits; everything else separates words, as in FTS5's unicode61 tokenizer. */
const word = /[\p{L}\p{N}]+/gu;

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
