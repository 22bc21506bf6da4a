import type { AttachmentMeta } from './entities';

type AttachmentKind = AttachmentMeta['kind'];

/**
 * What a device and the server accept as an attachment. The server checks the
 * real content type from the bytes; the device checks first, so a technician hears why at once.
 */
export const attachmentLimits = {
  /** A photo as it comes from the camera, before it is resized. */
  originalPhotoBytes: 40 * 1024 * 1024,
  /** A document is stored as it is. */
  documentBytes: 25 * 1024 * 1024,
  /** What the server takes in one upload: the larger of the two. */
  uploadBytes: 40 * 1024 * 1024,
  /** Photos are resized so their longer side is at most this. */
  photoMaxPixels: 1920,
  photoJpegQuality: 80,
  thumbnailMaxPixels: 320,
  thumbnailJpegQuality: 70,
  /** An upload above this waits for an unmetered network when the device is asked to. */
  largeUploadBytes: 1024 * 1024,
} as const;

/** Content types by kind; the value is what a file of that type is called in a message. */
const photoTypes: Readonly<Record<string, string>> = { 'image/jpeg': 'JPEG image' };
const documentTypes: Readonly<Record<string, string>> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG image',
  'image/png': 'PNG image',
  'text/plain': 'text file',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel workbook',
};

/** Types a technician may pick as a photo: anything sharp reads; it is stored as JPEG. */
export const photoInputTypes = ['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'image/heif', 'image/tiff'] as const;

export function acceptedTypes(kind: AttachmentKind): readonly string[] {
  return Object.keys(kind === 'photo' ? photoTypes : documentTypes);
}

export function isAcceptedType(kind: AttachmentKind, mimeType: string): boolean {
  return acceptedTypes(kind).includes(mimeType);
}

export function describeAccepted(kind: AttachmentKind): string {
  return [...new Set(Object.values(kind === 'photo' ? photoTypes : documentTypes))].join(', ');
}

/** The largest file (in bytes, as picked) a device takes for this kind. */
export function maxOriginalBytes(kind: AttachmentKind): number {
  return kind === 'photo' ? attachmentLimits.originalPhotoBytes : attachmentLimits.documentBytes;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** What the upload queue knows about one file. */
export interface UploadCandidate {
  id: string;
  /** 7 photos, 8 documents. */
  priority: number;
  size: number;
  /** The attachment's create has been acknowledged: the server knows whom the file belongs to. */
  recordSynced: boolean;
  state: 'waiting' | 'uploading' | 'done' | 'failed';
  notBefore: number;
  createdAt: string;
}

export type UploadHold = 'record-not-synced' | 'unmetered-network' | 'backoff' | 'failed' | 'done';

export interface UploadPlan {
  /** In the order to send. */
  send: string[];
  /** Why each other file waits. */
  held: Record<string, UploadHold>;
}

/**
 * Which files go now, in which order: priority, then oldest first. A file waits for its record's
 * create, for its backoff, and — when the user asked for it and the network is metered — a large
 * file waits for an unmetered network while small ones still go.
 */
export function planUploads(files: readonly UploadCandidate[], network: { metered: boolean; largeOnlyUnmetered: boolean }, now: number): UploadPlan {
  const held: Record<string, UploadHold> = {};
  const ready: UploadCandidate[] = [];
  for (const file of files) {
    if (file.state === 'done') held[file.id] = 'done';
    else if (file.state === 'failed') held[file.id] = 'failed';
    else if (!file.recordSynced) held[file.id] = 'record-not-synced';
    else if (file.notBefore > now) held[file.id] = 'backoff';
    else if (network.metered && network.largeOnlyUnmetered && file.size > attachmentLimits.largeUploadBytes) held[file.id] = 'unmetered-network';
    else ready.push(file);
  }
  ready.sort((a, b) => a.priority - b.priority || (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  return { send: ready.map((f) => f.id), held };
}
