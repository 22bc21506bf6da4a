import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { userRoleSchema, type UserRole } from '../../src-shared/domain/work-order-status';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { RevokedReason, ServerDb } from '../db/schema';

export const accessTokenTtlSeconds = 15 * 60;
export const refreshTokenTtlSeconds = 30 * 24 * 3600;
/**
 * How long a device may repeat a refresh whose answer it never got: it gets the same successor
 * back, once. Past it, or a second time, a used token is a copied one.
 */
export const refreshRetryGraceSeconds = 30;

/** sid: the sign-in (refresh token family) the token was issued under; tokens from before it have none. */
const claimsSchema = z.object({ sub: z.uuid(), role: userRoleSchema, sid: z.uuid().optional() });
export interface AccessClaims {
  userId: string;
  role: UserRole;
  signIn: string | null;
}

/** How long the server trusts its last look at whether a sign-in was revoked: an access token dies within this of its sign-in. */
export const revocationCheckMs = 60_000;

export class TokenService {
  private readonly key: Uint8Array;
  /** A key being rotated out (jwt-keys.ts): tokens it signed are still taken until they expire. */
  private readonly previousKey: Uint8Array | null;

  constructor(
    private readonly db: ServerDb,
    private readonly clock: Clock,
    secrets: { signing: string; previous: string | null },
    /** How long an access token lasts: 15 minutes; shorter in tests of what happens when it runs out. */
    readonly accessTtlSeconds = accessTokenTtlSeconds,
  ) {
    this.key = new TextEncoder().encode(secrets.signing);
    this.previousKey = secrets.previous === null ? null : new TextEncoder().encode(secrets.previous);
  }

  async issueAccessToken(userId: string, role: UserRole, signIn: string): Promise<{ token: string; expiresAt: string }> {
    const now = Math.floor(this.clock.now() / 1000);
    const token = await new SignJWT({ role, sid: signIn })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(now + this.accessTtlSeconds)
      .sign(this.key);
    return { token, expiresAt: new Date((now + this.accessTtlSeconds) * 1000).toISOString() };
  }

  async verifyAccessToken(token: string): Promise<AccessClaims> {
    try {
      return await this.verifyWith(this.key, token);
    } catch (error) {
      if (this.previousKey && error instanceof joseErrors.JWSSignatureVerificationFailed) {
        try {
          return await this.verifyWith(this.previousKey, token);
        } catch (previousError) {
          throw authErrorOf(previousError);
        }
      }
      throw authErrorOf(error);
    }
  }

  private async verifyWith(key: Uint8Array, token: string): Promise<AccessClaims> {
    // A token without an expiry would be good for ever: refused, like one without a subject.
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], currentDate: new Date(this.clock.now()), requiredClaims: ['exp', 'iat', 'sub'] });
    const claims = claimsSchema.parse(payload);
    return { userId: claims.sub, role: claims.role, signIn: claims.sid ?? null };
  }

  private readonly revocations = new Map<string, { reason: RevokedReason | null; checkedAt: number }>();

  /**
   * An access token is good only while its sign-in is: signed out, revoked for reuse, or revoked by
   * IT, its access tokens stop working within revocationCheckMs, not when they expire 15 minutes on.
   */
  async requireLiveSignIn(signIn: string): Promise<void> {
    const now = this.clock.now();
    let known = this.revocations.get(signIn);
    if (!known || now - known.checkedAt >= revocationCheckMs) {
      const revoked = await this.db.selectFrom('refresh_tokens').select('revoked_reason').where('family_id', '=', signIn).where('revoked_at', 'is not', null).limit(1).executeTakeFirst();
      known = { reason: revoked ? (revoked.revoked_reason ?? 'signed-out') : null, checkedAt: now };
      if (this.revocations.size >= 10_000) this.revocations.clear();
      this.revocations.set(signIn, known);
    }
    if (known.reason) throw signInEndedError(known.reason);
  }

  /**
   * Ends every sign-in of an account or of a laptop, now: on this instance at once, on the others
   * within revocationCheckMs. What the device is told follows the reason (signInEndedError).
   */
  async revokeSignIns(db: ServerDb, of: SignInsOf, reason: RevokedReason): Promise<void> {
    for (const family of await revokeSignIns(db, isoAt(this.clock), of, reason)) this.revocations.delete(family);
  }

  /**
   * The account and laptop of a refresh token whose laptop IT revoked: what may still hand over its
   * unsent work (devices.ts) before it wipes itself. Null for any other token.
   */
  async revokedDeviceOf(token: string): Promise<{ userId: string; deviceId: string } | null> {
    const row = await this.db.selectFrom('refresh_tokens').select(['user_id', 'device_id', 'revoked_reason']).where('token_hash', '=', hashToken(token)).executeTakeFirst();
    return row?.revoked_reason === 'device-revoked' && row.device_id ? { userId: row.user_id, deviceId: row.device_id } : null;
  }

  /** A new sign-in's first refresh token, and the sign-in's id (its token family). */
  async issueRefreshToken(userId: string, deviceId: string | null): Promise<{ refreshToken: string; signIn: string }> {
    const token = randomBytes(32).toString('base64url');
    const familyId = uuidv7();
    await this.insertRefreshToken(this.db, token, userId, familyId, deviceId);
    return { refreshToken: token, signIn: familyId };
  }

  private async insertRefreshToken(db: ServerDb, token: string, userId: string, familyId: string, deviceId: string | null): Promise<void> {
    const now = this.clock.now();
    await db
      .insertInto('refresh_tokens')
      .values({
        token_hash: hashToken(token),
        family_id: familyId,
        user_id: userId,
        expires_at: new Date(now + refreshTokenTtlSeconds * 1000).toISOString(),
        used_at: null,
        replaced_by: null,
        revoked_at: null,
        revoked_reason: null,
        device_id: deviceId,
        created_at: new Date(now).toISOString(),
      })
      .execute();
  }

  /**
   * Rotation with reuse detection (docs/protocol.md): each refresh token works once, and a second
   * use means it was copied, so the whole family (every token descended from that sign-in) is
   * revoked. A device whose answer was lost may present the same token again within
   * refreshRetryGraceSeconds, once, while its successor is unused: it gets that same successor,
   * which the server derives from the token (it keeps only hashes), never a second live one.
   */
  async rotateRefreshToken(token: string): Promise<{ userId: string; refreshToken: string; signIn: string }> {
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString();
    const next = this.successorOf(token);
    const outcome = await this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
      if (!row) return { kind: 'unknown' } as const;
      if (row.revoked_at) return { kind: 'revoked', reason: row.revoked_reason ?? 'signed-out' } as const;
      if (row.expires_at <= now) return { kind: 'expired' } as const;
      if (row.used_at !== null) {
        const successor = row.replaced_by
          ? await trx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', row.replaced_by).executeTakeFirst()
          : undefined;
        const lostAnswer =
          successor !== undefined &&
          successor.token_hash === hashToken(next) &&
          successor.used_at === null &&
          successor.revoked_at === null &&
          row.resent_at === null &&
          nowMs - Date.parse(row.used_at) <= refreshRetryGraceSeconds * 1000;
        if (!lostAnswer) {
          await trx.updateTable('refresh_tokens').set({ revoked_at: now, revoked_reason: 'reused' }).where('family_id', '=', row.family_id).execute();
          return { kind: 'reused' } as const;
        }
        const resent = await trx.updateTable('refresh_tokens').set({ resent_at: now }).where('token_hash', '=', row.token_hash).where('resent_at', 'is', null).executeTakeFirst();
        if (Number(resent.numUpdatedRows) === 0) {
          await trx.updateTable('refresh_tokens').set({ revoked_at: now, revoked_reason: 'reused' }).where('family_id', '=', row.family_id).execute();
          return { kind: 'reused' } as const;
        }
        return { kind: 'ok', userId: row.user_id, signIn: row.family_id } as const;
      }
      const claimed = await trx
        .updateTable('refresh_tokens')
        .set({ used_at: now, replaced_by: hashToken(next) })
        .where('token_hash', '=', row.token_hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) {
        await trx.updateTable('refresh_tokens').set({ revoked_at: now, revoked_reason: 'reused' }).where('family_id', '=', row.family_id).execute();
        return { kind: 'reused' } as const;
      }
      await this.insertRefreshToken(trx, next, row.user_id, row.family_id, row.device_id);
      return { kind: 'ok', userId: row.user_id, signIn: row.family_id } as const;
    });
    switch (outcome.kind) {
      case 'unknown':
        throw new FieldlineError('AUTH_ERROR', 'Refresh token is not valid: sign in again');
      case 'revoked':
        throw signInEndedError(outcome.reason);
      case 'expired':
        throw new FieldlineError('AUTH_ERROR', 'Refresh token expired: sign in again');
      case 'reused':
        throw new FieldlineError('AUTH_ERROR', 'Refresh token was used twice; every session of this sign-in is revoked: sign in again');
      case 'ok':
        return { userId: outcome.userId, refreshToken: next, signIn: outcome.signIn };
    }
  }

  /** The token a refresh token is exchanged for, the same every time: a lost answer can be given again. */
  private successorOf(token: string): string {
    return createHmac('sha256', this.key).update(`refresh-successor:${token}`).digest('base64url');
  }

  async revokeFamilyOf(token: string): Promise<void> {
    const row = await this.db.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!row) return;
    await this.db
      .updateTable('refresh_tokens')
      .set({ revoked_at: new Date(this.clock.now()).toISOString(), revoked_reason: 'signed-out' })
      .where('family_id', '=', row.family_id)
      .where('revoked_at', 'is', null)
      .execute();
  }
}

/** What a device whose sign-in ended is told: a revoked laptop wipes itself (DEVICE_REVOKED); the others sign in again. */
export function signInEndedError(reason: RevokedReason): FieldlineError {
  switch (reason) {
    case 'device-revoked':
      return new FieldlineError('DEVICE_REVOKED', 'IT revoked this laptop (reported lost or stolen): it hands its unsent work to the supervisors and removes its data');
    case 'account-disabled':
      return new FieldlineError('AUTH_ERROR', 'This account was disabled by IT: ask IT to enable it');
    case 'reused':
      return new FieldlineError('AUTH_ERROR', 'Refresh token was used twice; every session of this sign-in is revoked: sign in again');
    case 'signed-out':
      return new FieldlineError('AUTH_ERROR', 'This sign-in has ended (signed out or revoked): sign in again');
  }
}

/** Every sign-in of an account, or of a laptop. */
export type SignInsOf = { userId: string } | { deviceId: string };
/** What ends sign-ins: the server's TokenService (which also forgets what it cached), or the CLI beside it. */
export type SignInRevoker = Pick<TokenService, 'revokeSignIns'>;

/** Ends the sign-ins not ended yet, saying why; returns their ids (token families). */
export async function revokeSignIns(db: ServerDb, nowIso: string, of: SignInsOf, reason: RevokedReason): Promise<string[]> {
  const families = await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: nowIso, revoked_reason: reason })
    .where('revoked_at', 'is', null)
    .where(({ eb }) => ('userId' in of ? eb('user_id', '=', of.userId) : eb('device_id', '=', of.deviceId)))
    .returning('family_id')
    .execute();
  return [...new Set(families.map((row) => row.family_id))];
}

function authErrorOf(error: unknown): FieldlineError {
  return new FieldlineError('AUTH_ERROR', error instanceof joseErrors.JWTExpired ? 'Access token expired: refresh it' : 'Invalid access token');
}

/** Only hashes are stored: a leaked database does not leak usable refresh tokens. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
