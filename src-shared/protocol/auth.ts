import { z } from 'zod';
import { userSchema } from '../domain/entities';

export const loginRequestSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
});
export type LoginRequest = z.infer<typeof loginRequestSchema>;

export const refreshRequestSchema = z.strictObject({ refreshToken: z.string().min(20).max(512) });
export type RefreshRequest = z.infer<typeof refreshRequestSchema>;

export const tokenResponseSchema = z.object({
  accessToken: z.string(),
  /** Rotates on every refresh; presenting a used one revokes its whole family. */
  refreshToken: z.string(),
  accessTokenExpiresAt: z.iso.datetime(),
  user: userSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;
