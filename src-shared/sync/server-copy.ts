import type { JsonRecord } from '../merge/merge-patch';
import type { FieldValues } from './coalesce';

/**
 * The server's record under pending local changes, from the local view: each pending field's base
 * is the value the server last acknowledged (docs/architecture.md, The sync model), so putting the bases back over the view
 * gives the server's record, as long as nothing the server sent since has been taken in.
 */
export function serverCopyFromView(view: JsonRecord, bases: FieldValues): JsonRecord {
  return { ...view, ...bases };
}

/**
 * The server's record as JSON text, when it has to be kept beside the local view: only where the
 * view and the bases do not give it back exactly — a pull that arrived under pending changes, a
 * pending field the server's record does not have (its base is null, the record has no key). Null
 * otherwise, which spares a work order's first edit a second copy of it in its row. Compared as the
 * text that would be stored, key order included.
 */
export function serverCopyToKeep(view: JsonRecord, bases: FieldValues, server: JsonRecord): string | null {
  const serverText = JSON.stringify(server);
  return JSON.stringify(serverCopyFromView(view, bases)) === serverText ? null : serverText;
}
