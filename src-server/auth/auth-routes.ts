import type { FastifyInstance } from 'fastify';
import type { SignInLimits } from './sign-in-limits';
import { loginRequestSchema, refreshRequestSchema, type TokenResponse } from '../../src-shared/protocol/auth';
import { FieldlineError, parseOrThrow } from '../../src-shared/protocol/errors';
import type { ServerDb } from '../db/schema';
import type { Authenticate } from './authenticate';
import { verifyPassword } from './passwords';
import type { TokenService } from './tokens';
import { loadEnabledUser } from './users';
import { deviceSignsIn } from '../admin/devices';
import type { Clock } from '../../src-shared/sync/clock';

// Compared against when the username is unknown, so a wrong username costs as long as a wrong password.
const decoyHash = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function registerAuthRoutes(app: FastifyInstance, db: ServerDb, clock: Clock, tokens: TokenService, authenticate: Authenticate, limits: SignInLimits): void {
  async function tokensFor(userId: string, refreshToken: string, signIn: string): Promise<TokenResponse> {
    const user = await loadEnabledUser(db, userId);
    const access = await tokens.issueAccessToken(user.id, user.role, signIn);
    return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, user };
  }

  app.post('/api/v1/auth/login', async (request) => {
    const body = parseOrThrow(loginRequestSchema, request.body, 'login request');
    await limits.check(request);
    const row = await db.selectFrom('credentials').selectAll().where('username', '=', body.username).executeTakeFirst();
    const ok = await verifyPassword(body.password, row?.password_hash ?? decoyHash);
    if (!row || !ok) {
      await limits.failed(request);
      throw new FieldlineError('AUTH_ERROR', 'Wrong username or password');
    }
    if (row.disabled_at !== null) throw new FieldlineError('AUTH_ERROR', 'This account was disabled by IT: ask IT to enable it');
    if (body.device) await deviceSignsIn(db, body.device, row.user_id, new Date(clock.now()).toISOString());
    const issued = await tokens.issueRefreshToken(row.user_id, body.device?.id ?? null);
    return tokensFor(row.user_id, issued.refreshToken, issued.signIn);
  });

  app.post('/api/v1/auth/refresh', async (request) => {
    const body = parseOrThrow(refreshRequestSchema, request.body, 'refresh request');
    const rotated = await tokens.rotateRefreshToken(body.refreshToken);
    return tokensFor(rotated.userId, rotated.refreshToken, rotated.signIn);
  });

  app.post('/api/v1/auth/logout', async (request, reply) => {
    const body = parseOrThrow(refreshRequestSchema, request.body, 'logout request');
    await tokens.revokeFamilyOf(body.refreshToken);
    return reply.status(204).send();
  });

  app.get('/api/v1/me', async (request) => (await authenticate(request)).user);
}
