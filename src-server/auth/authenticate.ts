import type { FastifyRequest } from 'fastify';
import { FieldlineError } from '../../src-shared/protocol/errors';
import type { ServerDb } from '../db/schema';
import type { Principal } from '../sync/scope';
import type { TokenService } from './tokens';
import { loadUser } from './users';

export type Authenticate = (request: FastifyRequest) => Promise<Principal>;

/** Bearer access token → the user as stored now (a role or site change applies at once). */
export function makeAuthenticator(db: ServerDb, tokens: TokenService): Authenticate {
  return async (request) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (!token) throw new FieldlineError('AUTH_ERROR', 'Sign in first: this request needs an access token');
    const claims = await tokens.verifyAccessToken(token);
    const user = await loadUser(db, claims.userId);
    if (!user) throw new FieldlineError('AUTH_ERROR', 'This account no longer exists');
    return { user };
  };
}
