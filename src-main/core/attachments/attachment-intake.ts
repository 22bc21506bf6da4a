import { attachmentLimits, describeAccepted, formatBytes, isAcceptedType, maxOriginalBytes, photoInputTypes } from '../../../src-shared/domain/attachment-rules';
import { detectContentType } from '../../../src-shared/domain/content-type';
import type { AttachmentMeta } from '../../../src-shared/domain/entities';
import { FieldlineError } from '../../../src-shared/protocol/errors';

export interface PreparedFile {
  kind: AttachmentMeta['kind'];
  fileName: string;
  mimeType: string;
  /** What is stored and uploaded: the resized JPEG for a photo, the file itself for a document. */
  content: Buffer;
  thumbnail: Buffer | null;
  /** From the photo's EXIF, when it has them. */
  capturedAt: string | null;
  location: AttachmentMeta['location'];
}

const jpegName = (name: string) => `${name.replace(/\.[^.]+$/, '') || 'photo'}.jpg`;

function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

async function photoFacts(original: Buffer): Promise<Pick<PreparedFile, 'capturedAt' | 'location'>> {
  const { default: exifr } = await import('exifr');
  // EXIF is optional and often broken; a photo without readable EXIF is still a photo.
  const exif: unknown = await exifr.parse(original, { pick: ['DateTimeOriginal', 'CreateDate', 'GPSLatitude', 'GPSLongitude', 'GPSLatitudeRef', 'GPSLongitudeRef'] }).catch(() => null);
  if (!exif || typeof exif !== 'object') return { capturedAt: null, location: null };
  const facts = new Map<string, unknown>(Object.entries(exif));
  const taken = facts.get('DateTimeOriginal') ?? facts.get('CreateDate');
  const latitude = finite(facts.get('latitude'));
  const longitude = finite(facts.get('longitude'));
  return {
    capturedAt: taken instanceof Date && !Number.isNaN(taken.getTime()) ? taken.toISOString() : null,
    location: latitude !== null && longitude !== null && Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180 ? { latitude, longitude } : null,
  };
}

/**
 * A photo is turned upright by its EXIF orientation, resized so its longer side is
 * at most 1920 px and stored as JPEG at quality 80, with a thumbnail made at once. The output
 * carries no EXIF (no GPS in the file); time and place go into the attachment's fields.
 */
async function preparePhoto(fileName: string, original: Buffer): Promise<PreparedFile> {
  const type = await detectContentType(original);
  if (!type || !photoInputTypes.some((t) => t === type)) {
    throw new FieldlineError('VALIDATION_ERROR', `${fileName} is not a photo Fieldline can read (JPEG, PNG, WebP, HEIC or TIFF)`, { detectedType: type });
  }
  const facts = await photoFacts(original);
  // Loaded on first use (also in the bundle): libvips costs memory a laptop that never attaches need not pay.
  const { default: sharp } = await import('sharp');
  const upright = sharp(original, { failOn: 'error' }).rotate();
  let content: Buffer;
  let thumbnail: Buffer;
  try {
    content = await upright
      .clone()
      .resize({ width: attachmentLimits.photoMaxPixels, height: attachmentLimits.photoMaxPixels, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: attachmentLimits.photoJpegQuality, mozjpeg: false })
      .toBuffer();
    thumbnail = await upright
      .clone()
      .resize({ width: attachmentLimits.thumbnailMaxPixels, height: attachmentLimits.thumbnailMaxPixels, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: attachmentLimits.thumbnailJpegQuality })
      .toBuffer();
  } catch (error) {
    throw new FieldlineError('VALIDATION_ERROR', `${fileName} could not be read as a photo: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { kind: 'photo', fileName: jpegName(fileName), mimeType: 'image/jpeg', content, thumbnail, ...facts };
}

async function prepareDocument(fileName: string, bytes: Buffer): Promise<PreparedFile> {
  const type = await detectContentType(bytes);
  if (!type || !isAcceptedType('document', type)) {
    throw new FieldlineError('VALIDATION_ERROR', `${fileName} cannot be attached: Fieldline takes ${describeAccepted('document')}`, { detectedType: type });
  }
  return { kind: 'document', fileName, mimeType: type, content: bytes, thumbnail: null, capturedAt: null, location: null };
}

/** Checks and prepares a picked file; refuses with a message a technician can act on. */
export async function prepareAttachment(kind: AttachmentMeta['kind'], fileName: string, bytes: Buffer): Promise<PreparedFile> {
  if (bytes.length === 0) throw new FieldlineError('VALIDATION_ERROR', `${fileName} is empty`);
  const limit = maxOriginalBytes(kind);
  if (bytes.length > limit) {
    throw new FieldlineError('PAYLOAD_TOO_LARGE', `${fileName} is ${formatBytes(bytes.length)}; a ${kind} may be at most ${formatBytes(limit)}`, { size: bytes.length, limit });
  }
  return kind === 'photo' ? preparePhoto(fileName, bytes) : prepareDocument(fileName, bytes);
}
