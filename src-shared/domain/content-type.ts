import { fileTypeFromBuffer } from 'file-type';

/**
 * A file's real content type, from its bytes — never from its name or a declared type. Text has
 * no magic number: it is text when it decodes as UTF-8 and holds no NUL byte. Null: not a type
 * anyone recognises.
 */
export async function detectContentType(bytes: Uint8Array): Promise<string | null> {
  const sniffed = await fileTypeFromBuffer(bytes);
  if (sniffed) return sniffed.mime;
  if (bytes.includes(0)) return null;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'text/plain';
  } catch {
    return null;
  }
}
