import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttachmentVault } from '../../src-main/core/attachments/attachment-vault';

describe('the attachment vault', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldline-vault-'));
  const vault = new AttachmentVault(dir);
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores ciphertext under a fresh key per file and reads it back', async () => {
    const plaintext = randomBytes(200_000);
    const key = await vault.write('a1', 'content', plaintext);
    const again = await vault.write('a2', 'content', plaintext);
    expect(key).not.toBe(again);
    const onDisk = readFileSync(join(dir, 'a1.content'));
    expect(onDisk.includes(plaintext.subarray(1000, 1064))).toBe(false);
    expect((await vault.read('a1', 'content', key)).equals(plaintext)).toBe(true);
  });

  it('refuses a changed byte, a wrong key and a file put under another name', async () => {
    const key = await vault.write('b1', 'content', Buffer.from('measurements: 4.2 bar'));
    const path = join(dir, 'b1.content');
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    writeFileSync(path, bytes);
    await expect(vault.read('b1', 'content', key)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });

    const otherKey = await vault.write('b2', 'content', Buffer.from('x'));
    await expect(vault.read('b2', 'content', key)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    renameSync(join(dir, 'b2.content'), join(dir, 'b3.content'));
    await expect(vault.read('b3', 'content', otherKey)).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await expect(vault.read('missing', 'content', key)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
