import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * One encrypted database per server and user: a technician who signs in to another server, or a
 * colleague on the same laptop, gets a separate store with its own key.
 *
 * Its keychain entries belong to one profile: the accounts carry the profile's device id, so two
 * profiles of the same user on the same server (two Windows accounts, a test profile beside the
 * real one) never share a key, and signing out of one never touches the other's.
 */
export interface StorePaths {
  storeName: string;
  dir: string;
  databaseFile: string;
  attachmentsDir: string;
  keyAccount: string;
  refreshTokenAccount: string;
  /**
   * The accounts of stores made before entries were per profile. Read once, copied to the
   * profile's own accounts, and left in place: another profile may still need them.
   */
  legacy: { keyAccount: string; refreshTokenAccount: string };
}

export function storePaths(profileDir: string, serverUrl: string, userId: string, deviceId: string): StorePaths {
  const server = createHash('sha256').update(new URL(serverUrl).origin).digest('hex').slice(0, 16);
  const storeName = `${server}-${userId}`;
  const dir = join(profileDir, 'stores', storeName);
  return {
    storeName,
    dir,
    databaseFile: join(dir, 'fieldline.db'),
    attachmentsDir: join(dir, 'attachments'),
    keyAccount: `db-key:${deviceId}:${storeName}`,
    refreshTokenAccount: `refresh-token:${deviceId}:${storeName}`,
    legacy: { keyAccount: `db-key:${storeName}`, refreshTokenAccount: `refresh-token:${storeName}` },
  };
}
