import { formatBytes, maxOriginalBytes } from '../../src-shared/domain/attachment-rules';
import type { AddAttachmentInput } from '../../src-shared/domain/attachment-commands';
import { FieldlineError } from '../../src-shared/protocol/errors';

type Kind = AddAttachmentInput['kind'];

/** A dropped file is a photo when it is an image; everything else is a document. */
export function kindOf(file: File): Kind {
  return file.type.startsWith('image/') && file.type !== 'image/svg+xml' ? 'photo' : 'document';
}

/**
 * The picked file as the attach request carries it. A file over the limit is refused here, before
 * its bytes are read, with the same words the core would use.
 */
export async function toAttachRequest(file: Blob & { name?: string; lastModified?: number }, kind: Kind, workOrderId: string, description: string): Promise<AddAttachmentInput> {
  const fileName = file.name && file.name.length > 0 ? file.name.slice(0, 255) : kind === 'photo' ? 'photo.jpg' : 'document';
  const limit = maxOriginalBytes(kind);
  if (file.size > limit) throw new FieldlineError('PAYLOAD_TOO_LARGE', `${fileName} is ${formatBytes(file.size)}; a ${kind} may be at most ${formatBytes(limit)}`);
  return { workOrderId, kind, fileName, contentBase64: await base64Of(file), description };
}

function base64Of(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result.replace(/^data:[^,]*,/, '') : '');
    reader.onerror = () => reject(new FieldlineError('VALIDATION_ERROR', 'The file could not be read'));
    reader.readAsDataURL(file);
  });
}

/** Bytes from the core as an object URL the page can show or save; the caller revokes it. */
export function objectUrlOf(contentBase64: string, mimeType: string): string {
  const binary = atob(contentBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: mimeType }));
}

export const photoAccept = 'image/jpeg,image/png,image/webp,image/heic,image/heif,image/tiff';
export const documentAccept = '.pdf,.txt,.docx,.xlsx,.jpg,.jpeg,.png,application/pdf,text/plain';
