import type { FastifyRequest } from 'fastify';
import { FieldlineError } from '../../src-shared/protocol/errors';
import type { ServerDb } from '../db/schema';
import type { Principal } from '../sync/scope';
import type { TokenService } from './tokens';
import { loadEnabledUser } from './users';

export type Authenticate = (request: FastifyRequest) => Promise<Principal>;
/** The same check on an Authorization header alone (tus hands its hooks a web Request). */
export type AuthenticateHeader = (authorization: string | null | undefined) => Promise<Principal>;

export function makeAuthenticator(db: ServerDb, tokens: TokenService): Authenticate {
  const byHeader = makeHeaderAuthenticator(db, tokens);
  return (request) => byHeader(request.headers.authorization);
}

/** Bearer access token → the user as stored now (a role or site change, or disabling the account, applies at once). */
export function makeHeaderAuthenticator(db: ServerDb, tokens: TokenService): AuthenticateHeader {
  return async (header) => {
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!token) throw new FieldlineError('AUTH_ERROR', 'Sign in first: this request needs an access token');
    const claims = await tokens.verifyAccessToken(token);
    if (claims.signIn) await tokens.requireLiveSignIn(claims.signIn);
    return { user: await loadEnabledUser(db, claims.userId) };
  };
}
