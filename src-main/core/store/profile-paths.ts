import { createHash } from 'node:crypto';
import { join } from 'node:path';

/**
 * One encrypted database per server and user: a technician who signs in to another server, or a
 * colleague on the same laptop, gets a separate store with its own key.
 */
export interface StorePaths {
  storeName: string;
  dir: string;
  databaseFile: string;
  attachmentsDir: string;
  keyAccount: string;
  refreshTokenAccount: string;
}

export function storePaths(profileDir: string, serverUrl: string, userId: string): StorePaths {
  const server = createHash('sha256').update(new URL(serverUrl).origin).digest('hex').slice(0, 16);
  const storeName = `${server}-${userId}`;
  const dir = join(profileDir, 'stores', storeName);
  return {
    storeName,
    dir,
    databaseFile: join(dir, 'fieldline.db'),
    attachmentsDir: join(dir, 'attachments'),
    keyAccount: `db-key:${storeName}`,
    refreshTokenAccount: `refresh-token:${storeName}`,
  };
}
