import { z } from 'zod';
import { recordIdSchema } from '../domain/ids';

/** Where a device uploads attachment files with tus; the upload's id is the attachment's id. */
export const attachmentUploadsPath = '/api/v1/attachments/uploads';

/** tus Upload-Metadata a device sends when it creates an upload. */
export const uploadMetadataSchema = z.object({ attachmentId: recordIdSchema });

export const attachmentVariantSchema = z.enum(['content', 'thumbnail']);
export type AttachmentVariant = z.infer<typeof attachmentVariantSchema>;

export const attachmentDownloadParamsSchema = z.strictObject({ id: recordIdSchema, variant: attachmentVariantSchema });

export function attachmentDownloadPath(id: string, variant: AttachmentVariant): string {
  return `/api/v1/attachments/${id}/${variant}`;
}
