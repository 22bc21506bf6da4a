import { z } from 'zod';
import { text } from '../domain/text';
import { userSchema } from '../domain/entities';

export const loginRequestSchema = z.strictObject({
  username: text().min(1).max(64),
  password: text().min(1).max(1024),
  /** The laptop signing in: IT sees it by name and can revoke it. Older clients send none. */
  device: z.strictObject({ id: z.uuid(), name: text().trim().min(1).max(100) }).optional(),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const refreshRequestSchema = z.strictObject({ refreshToken: text().min(20).max(512) });
export type RefreshRequest = z.infer<typeof refreshRequestSchema>;

export const tokenResponseSchema = z.object({
  accessToken: text(),
  /** Rotates on every refresh; presenting a used one revokes its whole family. */
  refreshToken: text(),
  accessTokenExpiresAt: z.iso.datetime(),
  user: userSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;
