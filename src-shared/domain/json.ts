import { z } from 'zod';

/** Any JSON value: what a field of a record can hold on the wire and in a patch. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Deeper than any record nests; also what keeps a cyclic value (possible over Electron's IPC) from recursing for ever. */
const maxJsonDepth = 64;

/**
 * Whether a value is JSON, that is, what JSON.stringify writes and JSON.parse gives back as it
 * is: strings, finite numbers, booleans, null, and arrays and plain objects of them, nested at most
 * 64 deep; and storable on every backend: no NUL character in any text.
 */
export function isJson(value: unknown, depth = 0): value is Json {
  switch (typeof value) {
    case 'string':
      // Text every backend stores (text.ts): PostgreSQL refuses the NUL character.
      return !value.includes('\u0000');
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= maxJsonDepth) return false;
      if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
      const prototype: unknown = Object.getPrototypeOf(value);
      return (prototype === Object.prototype || prototype === null) && Object.entries(value).every(([key, item]) => !key.includes('\u0000') && isJson(item, depth + 1));
    }
    default:
      return false;
  }
}

/**
 * Any JSON value, checked by isJson. A recursive zod union (z.lazy) said the same, but tried its
 * branches one by one, with zod's cycle bookkeeping, for every nested value: checking a large push
 * request took about a third longer with it.
 */
export const jsonSchema: z.ZodType<Json> = z.custom<Json>((value) => isJson(value), 'expected a JSON value (text without the NUL character, a finite number, true, false, null, a list or an object of them)');

/**
 * The value of JSON text, or undefined when it is not JSON: for text from outside, which a zod
 * schema then checks (undefined fails it like any other wrong value).
 */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A value produced by JSON.parse is JSON by construction, so for text that was just parsed only
 * the top level needs checking. Deep validation (jsonSchema) costs more than the rest of a
 * 100k-record first sync; it stays for values that did not come from JSON text.
 */
export function isParsedJsonObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Structural equality of JSON values, independent of object key order. Conflict detection compares
 * a field's base with the server's value; key order differs between SQLite's and PostgreSQL's JSON,
 * so a textual comparison would report conflicts that are not there.
 */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || Array.isArray(b)) return false;
  const aKeys = Object.keys(a).filter((k) => a[k] !== undefined);
  const bKeys = Object.keys(b).filter((k) => b[k] !== undefined);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
}

/** A deterministic serialisation (sorted keys), used for tie-breaks and hashing. */
export function canonicalJson(value: Json): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value)
    .filter((entry): entry is [string, Json] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const beyondAscii = /[\u0080-\uffff]/g;

/**
 * JSON text in ASCII alone: every other character (already inside a string, where JSON allows it)
 * written as its \u escape, surrogate pairs as two. The server stores records this way and splices
 * them into pull answers as they are. A device turns a page's bytes into text several times faster
 * when they are all ASCII: V8's UTF-8 decoder takes its slow path for the whole page on a single
 * "°C".
 */
export function asciiJson(value: Json): string {
  return JSON.stringify(value).replace(beyondAscii, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A list produced by JSON.parse: JSON by construction, for the same reason as isParsedJsonObject. */
export const parsedJsonArraySchema = z.custom<Json[]>((value) => Array.isArray(value), 'expected a JSON list');
