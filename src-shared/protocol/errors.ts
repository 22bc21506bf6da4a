import { z } from 'zod';

/**
 * The protocol's error types (docs/protocol.md, Errors), plus PAYLOAD_TOO_LARGE so a device knows to send smaller batches,
 * the device's own store errors: its key is missing or wrong (STORE_LOCKED), or the file is
 * damaged (STORE_CORRUPT), and RATE_LIMITED: too many attempts (sign-in), wait as it says, and
 * DEVICE_REVOKED: IT revoked this laptop; it hands over its unsent work and wipes itself.
 */
export const errorCodes = [
  'NETWORK_ERROR',
  'AUTH_ERROR',
  'VERSION_CONFLICT',
  'VALIDATION_ERROR',
  'NOT_FOUND',
  'PERMISSION_DENIED',
  'SERVER_ERROR',
  'PAYLOAD_TOO_LARGE',
  'STORE_LOCKED',
  'STORE_CORRUPT',
  'RATE_LIMITED',
  'DEVICE_REVOKED',
] as const;
export const errorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorEnvelopeSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

export const httpStatusOf: { readonly [C in ErrorCode]: number } = {
  NETWORK_ERROR: 503,
  AUTH_ERROR: 401,
  VERSION_CONFLICT: 409,
  VALIDATION_ERROR: 400,
  NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  SERVER_ERROR: 500,
  PAYLOAD_TOO_LARGE: 413,
  STORE_LOCKED: 423,
  STORE_CORRUPT: 500,
  RATE_LIMITED: 429,
  DEVICE_REVOKED: 403,
};

/** The one error type of the product: a code a program can branch on and a message a person can act on. */
export class FieldlineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'FieldlineError';
  }

  toEnvelope(): ErrorEnvelope {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Any thrown value as the envelope: a FieldlineError keeps its code, anything else gets `fallback`. */
export function errorEnvelopeOf(error: unknown, fallback: ErrorCode = 'SERVER_ERROR'): ErrorEnvelope {
  if (error instanceof FieldlineError) return error.toEnvelope();
  return { code: fallback, message: error instanceof Error ? error.message : String(error) };
}

/** Turns a zod failure into field paths and messages a person can read. */
export function describeZodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

export function validationError(what: string, error: z.ZodError): FieldlineError {
  const issues = describeZodIssues(error);
  const first = issues[0];
  return new FieldlineError(
    'VALIDATION_ERROR',
    first ? `Invalid ${what}: ${first.path}: ${first.message}` : `Invalid ${what}`,
    { issues },
  );
}

/** Parses with a schema or throws a VALIDATION_ERROR naming the offending fields. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(what, result.error);
  return result.data;
}
