import type { Settings } from '../../../src-shared/settings/settings-schema';
import type { ConflictResolution } from './conflict-resolution';

/**
 * Settles open update-update conflicts whose every field has a remembered choice (the conflicts
 * view's "remember for this field"). Others stay open for a person. Returns how many it settled.
 */
export async function applyRememberedChoices(conflicts: ConflictResolution, remembered: Settings['rememberedChoices']): Promise<number> {
  if (Object.keys(remembered).length === 0) return 0;
  let settled = 0;
  for (const conflict of await conflicts.list('open')) {
    if (conflict.kind !== 'update-update' || conflict.fields.length === 0) continue;
    const choices = conflict.fields.map((f) => [f.field, remembered[f.field]] as const);
    if (choices.some(([, choice]) => choice === undefined)) continue;
    const fields = Object.fromEntries(choices.map(([field, choice]) => [field, { choice: choice === 'local' ? ('local' as const) : ('server' as const) }]));
    await conflicts.resolve(conflict.id, { fields });
    settled++;
  }
  return settled;
}
