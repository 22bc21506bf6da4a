import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import { FieldlineError } from '../../../src-shared/protocol/errors';

const magic = Buffer.from('FLA1');
const ivBytes = 12;
const tagBytes = 16;

/**
 * Attachment files at rest: each file AES-256-GCM encrypted with its own random
 * key, which lives in the encrypted database, never beside the file. The file is written
 * encrypted from memory, so no plaintext byte touches the disk, not even in a temp file. The
 * attachment id and variant are authenticated data: a file moved under another name fails to open.
 */
export class AttachmentVault {
  constructor(readonly dir: string) {}

  private path(id: string, variant: AttachmentVariant): string {
    return join(this.dir, `${id}.${variant}`);
  }

  /** Encrypts and stores; returns the new key (base64) for the database. */
  async write(id: string, variant: AttachmentVariant, plaintext: Uint8Array): Promise<string> {
    const key = randomBytes(32);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(`${id}.${variant}`));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    await mkdir(this.dir, { recursive: true });
    const path = this.path(id, variant);
    await writeFile(`${path}.part`, Buffer.concat([magic, iv, cipher.getAuthTag(), body]));
    await rename(`${path}.part`, path);
    return key.toString('base64');
  }

  async read(id: string, variant: AttachmentVariant, keyBase64: string): Promise<Buffer> {
    let file: Buffer;
    try {
      file = await readFile(this.path(id, variant));
    } catch {
      throw new FieldlineError('NOT_FOUND', `The ${variant === 'thumbnail' ? 'thumbnail' : 'file'} of attachment ${id} is not on this device`);
    }
    if (file.length < magic.length + ivBytes + tagBytes || !file.subarray(0, magic.length).equals(magic)) {
      throw new FieldlineError('STORE_CORRUPT', `Attachment file ${id} is damaged`);
    }
    const iv = file.subarray(magic.length, magic.length + ivBytes);
    const tag = file.subarray(magic.length + ivBytes, magic.length + ivBytes + tagBytes);
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
    decipher.setAAD(Buffer.from(`${id}.${variant}`));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(file.subarray(magic.length + ivBytes + tagBytes)), decipher.final()]);
    } catch {
      throw new FieldlineError('STORE_CORRUPT', `Attachment file ${id} is damaged or was replaced`);
    }
  }

  async removeContent(id: string): Promise<void> {
    await rm(this.path(id, 'content'), { force: true });
    await rm(`${this.path(id, 'content')}.part`, { force: true });
  }

  async remove(id: string): Promise<void> {
    await this.removeContent(id);
    await rm(this.path(id, 'thumbnail'), { force: true });
    await rm(`${this.path(id, 'thumbnail')}.part`, { force: true });
  }

  /** Ids with a file here last written before `beforeMs`, for removing those whose record is gone. */
  async storedIds(beforeMs: number): Promise<Set<string>> {
    const names = await readdir(this.dir).catch((): string[] => []);
    const ids = new Set<string>();
    for (const name of names) {
      const modified = await stat(join(this.dir, name)).then((s) => s.mtimeMs, () => Number.POSITIVE_INFINITY);
      if (modified < beforeMs) ids.add(name.split('.')[0] ?? name);
    }
    return ids;
  }
}
