import { z } from 'zod';
import { text } from './text';
import { attachmentLimits } from './attachment-rules';
import { attachmentKindSchema, attachmentMetaSchema } from './entities';
import { isoDateTimeSchema, recordIdSchema } from './ids';

/** Base64 of the largest file a device takes, with room for padding. */
const maxBase64Chars = Math.ceil(attachmentLimits.uploadBytes / 3) * 4 + 4;
/** The largest IPC message: an attach request with the largest file and its fields. */
export const maxIpcMessageBytes = maxBase64Chars + 64 * 1024;

/**
 * A file picked, dropped or taken with the camera. The bytes travel as base64 so one schema fits
 * both IPC transports; the size limit is checked on the decoded bytes, with a clear message.
 */
export const addAttachmentInputSchema = z.strictObject({
  workOrderId: recordIdSchema,
  kind: attachmentKindSchema,
  fileName: text().min(1).max(255),
  contentBase64: z.base64().min(1).max(maxBase64Chars, 'The file is larger than any attachment Fieldline takes'),
  description: text().max(2000).default(''),
  /** When the device knows better than the file (the camera dialog's shutter time). */
  capturedAt: isoDateTimeSchema.nullable().default(null),
  location: attachmentMetaSchema.shape.location.default(null),
});
export type AddAttachmentInput = z.input<typeof addAttachmentInputSchema>;
