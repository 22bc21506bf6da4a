import { z } from 'zod';
import { recordIdSchema } from '../domain/ids';
import { userRoleSchema } from '../domain/work-order-status';

/** Who is signed in on this device, and which store is theirs. No secret is ever kept here. */
export const sessionInfoSchema = z.object({
  serverUrl: z.url(),
  userId: recordIdSchema,
  username: z.string(),
  displayName: z.string(),
  role: userRoleSchema,
  siteIds: z.array(recordIdSchema),
  storeName: z.string(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const syncIntervalRange = { min: 1, max: 24 * 60 } as const;

/** The fields a user may change from the settings screen, without their defaults (see the patch below). */
const userFields = {
  serverUrl: z.url().nullable(),
  syncIntervalMinutes: z.number().int().min(syncIntervalRange.min).max(syncIntervalRange.max),
  largeUploadsUnmeteredOnly: z.boolean(),
  /** Narrow what this device keeps offline; empty lists: everything in the user's scope. */
  keepOffline: z.object({ sites: z.array(recordIdSchema).max(100), workOrders: z.array(recordIdSchema).max(1000) }),
};

export const settingsSchema = z.object({
  deviceId: z.string().min(8),
  serverUrl: userFields.serverUrl.default(null),
  session: sessionInfoSchema.nullable().default(null),
  syncIntervalMinutes: userFields.syncIntervalMinutes.default(15),
  largeUploadsUnmeteredOnly: userFields.largeUploadsUnmeteredOnly.default(true),
  keepOffline: userFields.keepOffline.default({ sites: [], workOrders: [] }),
  /**
   * Conflict choices a person asked this device to remember, per field: later conflicts whose
   * every field has one are settled that way without asking again.
   */
  rememberedChoices: z.record(z.string().min(1).max(64), z.enum(['local', 'server'])).default({}),
});
export type Settings = z.infer<typeof settingsSchema>;

/**
 * What a user may change from the settings screen. Built from the fields without defaults: a
 * defaulted field in a partial schema would be filled in, and every patch would reset the others.
 */
export const settingsPatchSchema = z.strictObject(userFields).partial();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
