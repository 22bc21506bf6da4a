import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../src-shared/domain/json';
import { serverCopyToKeep } from '../../src-shared/sync/server-copy';
import { serverCopyOf } from '../../src-main/core/store/server-copy';

const value: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom(null, true, 0, 7, '', 'open', 'closed'), fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }));
const fields = fc.constantFrom('status', 'title', 'tags', 'rootCause', 'priority');
const record = fc.dictionary(fields, value);

/** What the store reads back (serverCopyOf) from a row that holds `view` and `copy` as its server_data, with `bases`. */
const serverStateFrom = (view: Record<string, Json>, bases: Record<string, Json>, copy: string | null) => serverCopyOf({ version: 1, data: JSON.stringify(view), server_data: copy }, bases);

describe('the server copy kept beside a local view', () => {
  it('gives back the server record exactly (as stored text), whatever the view and the bases', () => {
    fc.assert(
      fc.property(record, record, record, (server, view, bases) => {
        const copy = serverCopyToKeep(view, bases, server);
        expect(JSON.stringify(serverStateFrom(view, bases, copy))).toBe(JSON.stringify(server));
      }),
    );
  });

  it('is not kept after local edits of fields the server record has: their bases give it back', () => {
    fc.assert(
      fc.property(record, record, (server, edit) => {
        const pending = Object.fromEntries(Object.entries(edit).filter(([field]) => field in server));
        const bases = Object.fromEntries(Object.keys(pending).map((field) => [field, server[field] ?? null]));
        expect(serverCopyToKeep({ ...server, ...pending }, bases, server)).toBeNull();
      }),
    );
  });

  it('is kept for a field the server record does not have, and after the server moved under pending changes', () => {
    const server = { status: 'open', title: 'Pump' };
    expect(serverCopyToKeep({ ...server, rootCause: 'seal' }, { rootCause: null }, server)).toBe(JSON.stringify(server));
    // A pull brought title "Fan" while the status edit waits: the base is still the acknowledged "open".
    const pulled = { status: 'assigned', title: 'Fan' };
    expect(serverCopyToKeep({ status: 'closed', title: 'Fan' }, { status: 'open' }, pulled)).toBe(JSON.stringify(pulled));
    expect(serverCopyToKeep({ status: 'closed', title: 'Fan' }, { status: 'assigned' }, pulled)).toBeNull();
  });
});
