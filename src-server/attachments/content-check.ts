import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { describeAccepted, isAcceptedType } from '../../src-shared/domain/attachment-rules';
import { contentTypeHeadBytes, detectContentTypeOfHead, textCheck } from '../../src-shared/domain/content-type';
import type { AttachmentMeta } from '../../src-shared/domain/entities';

export interface ContentVerdict {
  ok: boolean;
  /** What a person reads when the file is refused. */
  reason: string;
  detectedType: string | null;
  /** The type is right but the bytes are not the ones announced: sending again may succeed. */
  damaged: boolean;
}

/**
 * The real content type and the hash the device announced: a renamed executable, a file
 * announced as one type but holding another, or a file damaged on the way is refused. The file is
 * read once, as a stream, from wherever the store keeps it (a disk, an object store).
 */
export async function checkUploadedContent(content: Readable, meta: AttachmentMeta): Promise<ContentVerdict> {
  const hash = createHash('sha256');
  const text = textCheck();
  const head: Buffer[] = [];
  let headBytes = 0;
  for await (const piece of content) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(String(piece));
    hash.update(chunk);
    text.add(chunk);
    if (headBytes < contentTypeHeadBytes) {
      head.push(chunk.subarray(0, contentTypeHeadBytes - headBytes));
      headBytes += Math.min(chunk.length, contentTypeHeadBytes - headBytes);
    }
  }
  const detectedType = await detectContentTypeOfHead(Buffer.concat(head), text.isText());
  const refuse = (reason: string, damaged = false): ContentVerdict => ({ ok: false, reason, detectedType, damaged });
  if (detectedType === null) return refuse(`${meta.fileName} is not a file type Fieldline accepts (${describeAccepted(meta.kind)})`);
  if (!isAcceptedType(meta.kind, detectedType)) {
    return refuse(`${meta.fileName} is ${detectedType}; a ${meta.kind} must be one of: ${describeAccepted(meta.kind)}`);
  }
  if (detectedType !== meta.mimeType) return refuse(`${meta.fileName} was announced as ${meta.mimeType} but its content is ${detectedType}`);
  if (hash.digest('hex') !== meta.sha256) {
    return refuse(`${meta.fileName} arrived damaged: its content does not match what the device sent`, true);
  }
  return { ok: true, reason: '', detectedType, damaged: false };
}
