import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describeAccepted, isAcceptedType } from '../../src-shared/domain/attachment-rules';
import { detectContentType } from '../../src-shared/domain/content-type';
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
 * announced as one type but holding another, or a file damaged on the way is refused.
 */
export async function checkUploadedContent(path: string, meta: AttachmentMeta): Promise<ContentVerdict> {
  // Uploads are bounded (attachmentLimits.uploadBytes), so the file is read whole.
  const bytes = await readFile(path);
  const detectedType = await detectContentType(bytes);
  const refuse = (reason: string, damaged = false): ContentVerdict => ({ ok: false, reason, detectedType, damaged });
  if (detectedType === null) return refuse(`${meta.fileName} is not a file type Fieldline accepts (${describeAccepted(meta.kind)})`);
  if (!isAcceptedType(meta.kind, detectedType)) {
    return refuse(`${meta.fileName} is ${detectedType}; a ${meta.kind} must be one of: ${describeAccepted(meta.kind)}`);
  }
  if (detectedType !== meta.mimeType) return refuse(`${meta.fileName} was announced as ${meta.mimeType} but its content is ${detectedType}`);
  if (createHash('sha256').update(bytes).digest('hex') !== meta.sha256) {
    return refuse(`${meta.fileName} arrived damaged: its content does not match what the device sent`, true);
  }
  return { ok: true, reason: '', detectedType, damaged: false };
}
