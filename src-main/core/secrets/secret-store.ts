/**
 * Where the device keeps its secrets: the database key and the refresh token. Callers see only
 * this interface, so keytar (archived upstream) can be swapped for another keychain binding —
 * Electron's safeStorage, or a maintained fork — without touching them.
 */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  /** True if something was deleted. */
  delete(account: string): Promise<boolean>;
}
