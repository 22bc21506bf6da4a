import Conf from 'conf';
import { v7 as uuidv7 } from 'uuid';
import { settingsSchema, type Settings } from '../../../src-shared/settings/settings-schema';

/**
 * The device's settings file (settings.json in the profile dir). `conf` is the Node library under
 * electron-store, so the desktop app and the Node shells read and write the same file; the zod
 * schema in src-shared is its single definition and fills defaults for fields added later.
 */
export class SettingsStore {
  private readonly conf: Conf<Record<string, unknown>>;

  /** `backend`: electron-store under Electron (a Conf subclass on the same file); Conf itself elsewhere. */
  constructor(profileDir: string, backend?: Conf<Record<string, unknown>>) {
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

  get(): Settings {
    return settingsSchema.parse(this.conf.store);
  }

  update(change: Partial<Settings>): Settings {
    const next = settingsSchema.parse({ ...this.get(), ...change });
    this.conf.store = next;
    return next;
  }
}
