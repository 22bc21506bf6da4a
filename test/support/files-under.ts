import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file below `dir`, for checks of what a device left on disk. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Does any file below `dir` hold this run of bytes? */
export function bytesFoundUnder(dir: string, needle: Buffer): boolean {
  return filesUnder(dir).some((path) => readFileSync(path).includes(needle));
}

/** An attachment's encrypted files (content, thumbnail) in a device's attachments folder. */
export function attachmentFilesIn(attachmentsDir: string, attachmentId: string): string[] {
  return existsSync(attachmentsDir) ? readdirSync(attachmentsDir).filter((name) => name.startsWith(attachmentId)) : [];
}
