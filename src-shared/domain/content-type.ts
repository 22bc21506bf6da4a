import { fileTypeFromBuffer } from 'file-type';

/** How many leading bytes identify a file type: file-type reads at most a few KB; a zip's directory may sit further in. */
export const contentTypeHeadBytes = 1024 * 1024;

/**
 * A file's real content type, from its bytes — never from its name or a declared type. Text has
 * no magic number: it is text when it decodes as UTF-8 and holds no NUL byte. Null: not a type
 * anyone recognises.
 */
export async function detectContentType(bytes: Uint8Array): Promise<string | null> {
  const text = textCheck();
  text.add(bytes);
  return detectContentTypeOfHead(bytes.subarray(0, contentTypeHeadBytes), text.isText());
}

/** The same verdict for a file read as a stream: its first contentTypeHeadBytes, and whether all of it was text (textCheck). */
export async function detectContentTypeOfHead(head: Uint8Array, wholeIsText: boolean): Promise<string | null> {
  const sniffed = await fileTypeFromBuffer(head);
  if (sniffed) return sniffed.mime;
  return wholeIsText ? 'text/plain' : null;
}

/** Whether the chunks given so far, together, are UTF-8 text without a NUL (a character may span two chunks). */
export function textCheck(): { add(chunk: Uint8Array): void; isText(): boolean } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = true;
  return {
    add(chunk) {
      if (!text) return;
      if (chunk.includes(0)) {
        text = false;
        return;
      }
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        text = false;
      }
    },
    isText() {
      if (!text) return false;
      try {
        decoder.decode();
        return true;
      } catch {
        return false;
      }
    },
  };
}
