import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';

import type { AttachmentVariant } from '../../src-shared/protocol/attachments';
export type { AttachmentVariant };

/**
 * Where the server keeps attachment bytes. The tus data store receives uploads (named by the
 * attachment's id); the rest reads, adds the thumbnail and removes. Another backend (an object
 * store) implements the same interface with its own tus data store.
 */
export interface AttachmentStore {
  readonly uploads: DataStore;
  size(id: string, variant: AttachmentVariant): Promise<number | null>;
  /** The bytes, as a stream: the content check, the thumbnailer and downloads read them so. */
  open(id: string, variant: AttachmentVariant): Readable;
  putThumbnail(id: string, bytes: Uint8Array): Promise<void>;
  /** Removes the file, its thumbnail and the upload's bookkeeping. */
  remove(id: string): Promise<void>;
}

/** The default: files under one directory on the server's disk. */
export class FileSystemAttachmentStore implements AttachmentStore {
  readonly uploads: FileStore;

  /**
   * The directories are made, and their errors reported, before tus's FileStore exists: its
   * constructor makes its directory again without waiting, from a callback that throws, so a
   * directory that could not be made was an uncaught exception, not an error here. That second
   * mkdir, of a directory that exists, fails only if the directory is removed while it runs, which
   * nothing may do while the process that opened the store runs (the tests remove theirs when the
   * run ends, test/support/server-files.ts; waiting behind it here is impossible: libuv runs file
   * system calls on a pool of threads, in no fixed order).
   */
  static async open(dir: string): Promise<FileSystemAttachmentStore> {
    const uploadsDir = join(dir, 'uploads');
    const thumbnailsDir = join(dir, 'thumbnails');
    await mkdir(uploadsDir, { recursive: true });
    await mkdir(thumbnailsDir, { recursive: true });
    return new FileSystemAttachmentStore(uploadsDir, thumbnailsDir);
  }

  private constructor(
    private readonly uploadsDir: string,
    private readonly thumbnailsDir: string,
  ) {
    this.uploads = new FileStore({ directory: uploadsDir });
  }

  private localPath(id: string, variant: AttachmentVariant): string {
    return variant === 'content' ? join(this.uploadsDir, id) : join(this.thumbnailsDir, `${id}.jpg`);
  }

  async size(id: string, variant: AttachmentVariant): Promise<number | null> {
    try {
      return (await stat(this.localPath(id, variant))).size;
    } catch {
      return null;
    }
  }

  open(id: string, variant: AttachmentVariant): Readable {
    return createReadStream(this.localPath(id, variant));
  }

  async putThumbnail(id: string, bytes: Uint8Array): Promise<void> {
    const path = this.localPath(id, 'thumbnail');
    await writeFile(`${path}.part`, bytes);
    await rename(`${path}.part`, path);
  }

  async remove(id: string): Promise<void> {
    await this.uploads.remove(id).catch(() => undefined);
    await rm(this.localPath(id, 'content'), { force: true });
    await rm(`${this.localPath(id, 'content')}.json`, { force: true });
    await rm(this.localPath(id, 'thumbnail'), { force: true });
  }
}
