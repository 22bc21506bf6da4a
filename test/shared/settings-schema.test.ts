import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settingsPatchSchema, settingsSchema } from '../../src-shared/settings/settings-schema';

describe('settings patch', () => {
  it('carries only the fields it was given: a patch never resets the others to their defaults', () => {
    expect(settingsPatchSchema.parse({ syncIntervalMinutes: 30 })).toEqual({ syncIntervalMinutes: 30 });
    const patchArb = fc.record(
      {
        serverUrl: fc.constantFrom(null, 'https://sync.example.com'),
        syncIntervalMinutes: fc.integer({ min: 1, max: 1440 }),
        largeUploadsUnmeteredOnly: fc.boolean(),
        keepOffline: fc.record({ sites: fc.array(fc.uuid({ version: 7 }), { maxLength: 3 }), workOrders: fc.array(fc.uuid({ version: 7 }), { maxLength: 3 }) }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(patchArb, (patch) => {
        const parsed = settingsPatchSchema.parse(patch);
        expect(Object.keys(parsed).sort()).toEqual(Object.keys(patch).sort());
        const before = settingsSchema.parse({ deviceId: 'device-0001', syncIntervalMinutes: 7, largeUploadsUnmeteredOnly: false });
        const after = settingsSchema.parse({ ...before, ...parsed });
        for (const key of ['syncIntervalMinutes', 'largeUploadsUnmeteredOnly', 'serverUrl', 'keepOffline'] as const) {
          if (!(key in patch)) expect(after[key]).toEqual(before[key]);
        }
      }),
    );
  });

  it('refuses what the settings screen may not change', () => {
    expect(settingsPatchSchema.safeParse({ deviceId: 'x' }).success).toBe(false);
    expect(settingsPatchSchema.safeParse({ syncIntervalMinutes: 0 }).success).toBe(false);
  });
});
