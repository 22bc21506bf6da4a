import Conf from 'conf';
import { v7 as uuidv7 } from 'uuid';
import { settingsSchema, type Settings, type SettingsPatch } from '../../../src-shared/settings/settings-schema';
import { applyPolicy, policyView, serverAddressRefusal, type ManagedPolicy, type PolicyView } from '../../../src-shared/policy/managed-policy';
import { FieldlineError } from '../../../src-shared/protocol/errors';
import type { LoadedPolicy } from './policy-file';

/**
 * The device's settings file (settings.json in the profile dir). `conf` is the Node library under
 * electron-store, so the desktop app and the Node shells read and write the same file; the zod
 * schema in src-shared is its single definition and fills defaults for fields added later.
 */
export class SettingsStore {
  private readonly conf: Conf<Record<string, unknown>>;

  /** `backend`: electron-store under Electron (a Conf subclass on the same file); Conf itself elsewhere. */
  private readonly policy: ManagedPolicy | null;

  /** `policy`: IT's machine-wide policy, which beats what the user chose (README: IT deployment). */
  constructor(
    profileDir: string,
    backend?: Conf<Record<string, unknown>>,
    private readonly loadedPolicy: LoadedPolicy | null = null,
  ) {
    this.policy = loadedPolicy?.policy ?? null;
    this.conf = backend ?? new Conf<Record<string, unknown>>({ cwd: profileDir, configName: 'settings', projectName: 'fieldline', projectVersion: '1' });
    if (!settingsSchema.safeParse(this.conf.store).success) {
      const previous = this.conf.store;
      const deviceId = typeof previous.deviceId === 'string' && previous.deviceId.length >= 8 ? previous.deviceId : uuidv7();
      // Keep every field that is still valid; the rest falls back to its default.
      const repaired: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(settingsSchema.shape)) {
        const field = schema.safeParse(previous[key]);
        if (previous[key] !== undefined && field.success) repaired[key] = field.data;
      }
      this.conf.store = settingsSchema.parse({ ...repaired, deviceId });
    }
  }

  /** The settings in force: the user's, with what the policy manages applied. */
  get(): Settings {
    return applyPolicy(settingsSchema.parse(this.conf.store), this.policy);
  }

  policyView(): PolicyView {
    return policyView(this.policy, this.loadedPolicy?.path ?? 'none', this.loadedPolicy?.error ?? null);
  }

  /** Refuses what the policy takes out of the user's hands, with a message that says so. */
  checkAllowed(change: SettingsPatch): void {
    const view = this.policyView();
    const effective = this.get();
    if (change.serverUrl !== undefined && view.managed.includes('serverUrl') && change.serverUrl !== effective.serverUrl) {
      throw new FieldlineError('PERMISSION_DENIED', `IT has set the server for this laptop to ${effective.serverUrl ?? '(none)'}`);
    }
    const refusal = change.serverUrl ? serverAddressRefusal(change.serverUrl, this.policy) : null;
    if (refusal) throw new FieldlineError('VALIDATION_ERROR', refusal);
    if (change.largeUploadsUnmeteredOnly !== undefined && view.managed.includes('largeUploadsUnmeteredOnly') && change.largeUploadsUnmeteredOnly !== effective.largeUploadsUnmeteredOnly) {
      throw new FieldlineError('PERMISSION_DENIED', 'IT manages the upload setting on this laptop');
    }
    const range = view.syncIntervalRange;
    if (change.syncIntervalMinutes !== undefined && (change.syncIntervalMinutes < range.min || change.syncIntervalMinutes > range.max)) {
      throw new FieldlineError('VALIDATION_ERROR', `The sync interval must be between ${range.min} and ${range.max} minutes on this laptop`);
    }
  }

  /** Writes the user's choices; what the policy manages is kept as the user left it and overridden on read. */
  update(change: Partial<Settings>): Settings {
    const next = settingsSchema.parse({ ...settingsSchema.parse(this.conf.store), ...change });
    this.conf.store = next;
    return this.get();
  }
}
