import { z } from 'zod';
import { syncIntervalRange, type Settings } from '../settings/settings-schema';

/**
 * The machine-wide policy IT writes at install time (README: IT deployment). Every field is
 * optional: what it names is managed and beats the user's settings; what it leaves out stays the
 * user's choice.
 */
export const managedPolicySchema = z.strictObject({
  /** The sync server every user of this laptop signs in to. */
  serverUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** false: the sign-in form shows the server but the user cannot change it (needs serverUrl). */
  allowServerChange: z.boolean().default(true),
  /** The range users may pick the sync interval from, in minutes. */
  syncIntervalMinutes: z
    .strictObject({ min: z.number().int().min(syncIntervalRange.min), max: z.number().int().max(syncIntervalRange.max) })
    .refine((r) => r.min <= r.max, { message: 'min must not be above max' })
    .optional(),
  /**
   * Servers this laptop may reach over plain http (by host name, e.g. a test server on the LAN).
   * Every other server must be https; loopback (this machine) is always allowed.
   */
  allowHttpHosts: z.array(z.string().min(1).max(253)).max(50).default([]),
  /** Forces the "large uploads only on an unmetered network" setting. */
  largeUploadsUnmeteredOnly: z.boolean().optional(),
  updates: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** A generic electron-updater feed (a folder on a web server with latest.yml). */
      feedUrl: z.url({ protocol: /^https$/ }).optional(),
      channel: z.enum(['latest', 'beta']).default('latest'),
    })
    .default({ enabled: true, channel: 'latest' }),
});
export type ManagedPolicy = z.infer<typeof managedPolicySchema>;

const loopbackHost = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether a sign-in may go to this server address: passwords, tokens and work orders travel in the
 * clear over http, so only https — or this machine itself, or a host IT allows in the policy.
 * Null when allowed; otherwise why not, in words.
 */
export function serverAddressRefusal(serverUrl: string, policy: ManagedPolicy | null): string | null {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    return `“${serverUrl}” is not a server address (it starts with https://)`;
  }
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return `“${serverUrl}” is not a server address (it starts with https://)`;
  if (loopbackHost.test(url.hostname)) return null;
  if (policy?.allowHttpHosts.some((host) => host.toLowerCase() === url.hostname.toLowerCase())) return null;
  return `${url.host} is reached over http://, which would send your password and work orders unencrypted. Use its https:// address, or ask IT to allow it in the policy file (allowHttpHosts).`;
}

/** Which settings a policy takes out of the user's hands, for the settings screen. */
export type ManagedField = 'serverUrl' | 'syncIntervalMinutes' | 'largeUploadsUnmeteredOnly';

export function managedFields(policy: ManagedPolicy | null): ManagedField[] {
  if (!policy) return [];
  const fields: ManagedField[] = [];
  if (policy.serverUrl !== undefined && !policy.allowServerChange) fields.push('serverUrl');
  if (policy.largeUploadsUnmeteredOnly !== undefined) fields.push('largeUploadsUnmeteredOnly');
  return fields;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * The settings in force: the user's, overridden where the policy manages a field. A preset server
 * the user may change only fills an empty one; the interval is kept inside the allowed range.
 */
export function applyPolicy(settings: Settings, policy: ManagedPolicy | null): Settings {
  if (!policy) return settings;
  const effective: Settings = { ...settings };
  if (policy.serverUrl !== undefined && (!policy.allowServerChange || effective.serverUrl === null)) effective.serverUrl = policy.serverUrl;
  if (policy.largeUploadsUnmeteredOnly !== undefined) effective.largeUploadsUnmeteredOnly = policy.largeUploadsUnmeteredOnly;
  if (policy.syncIntervalMinutes) {
    const { min, max } = policy.syncIntervalMinutes;
    effective.syncIntervalMinutes = clamp(effective.syncIntervalMinutes, min, max);
  }
  return effective;
}

/** What the settings screen shows about the policy: what is managed, from where, and whether the file was refused. */
export const policyViewSchema = z.object({
  source: z.string(),
  managed: z.array(z.enum(['serverUrl', 'syncIntervalMinutes', 'largeUploadsUnmeteredOnly'])),
  syncIntervalRange: z.object({ min: z.number().int(), max: z.number().int() }),
  updates: z.object({ enabled: z.boolean(), channel: z.string(), feedUrl: z.string().nullable() }),
  /** The policy file exists but could not be used: the app runs on defaults and says so. */
  error: z.string().nullable(),
});
export type PolicyView = z.infer<typeof policyViewSchema>;

export function policyView(policy: ManagedPolicy | null, source: string, error: string | null): PolicyView {
  return {
    source,
    managed: [...managedFields(policy), ...(policy?.syncIntervalMinutes ? (['syncIntervalMinutes'] as const) : [])],
    syncIntervalRange: policy?.syncIntervalMinutes ?? syncIntervalRange,
    updates: { enabled: policy?.updates.enabled ?? true, channel: policy?.updates.channel ?? 'latest', feedUrl: policy?.updates.feedUrl ?? null },
    error,
  };
}
