import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loginRequestSchema } from '../../src-shared/protocol/auth';
import { FieldlineError } from '../../src-shared/protocol/errors';
import type { Clock } from '../../src-shared/sync/clock';
import type { DialectName, ServerDb } from '../db/schema';

/**
 * Brute-force protection of sign-in (@fastify/rate-limit's limiters over a store in the database,
 * so every instance of the server counts together). Wrong passwords count, per account and per
 * network address: an account gets 10 in 15 minutes, then waits, twice as long after each further
 * one (up to an hour); an address gets 50 in 15 minutes (a depot's laptops may share one). While
 * it waits even the right password is refused, with how long to wait in words.
 */
export const perAccount = { max: 10, windowMs: 15 * 60_000 } as const;
export const perAddress = { max: 50, windowMs: 15 * 60_000 } as const;
const longestWaitMs = 60 * 60_000;
const accountPrefix = 'account:';

/** A window of wrong passwords per key, in the `sign_in_attempts` table. Accounts back off; addresses wait out their window. */
class DatabaseStore implements FastifyRateLimitStore {
  constructor(
    private readonly db: ServerDb,
    private readonly dialect: DialectName,
    private readonly clock: Clock,
  ) {}

  incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number, max: number): void {
    this.count(key, timeWindow, max).then(
      (result) => callback(null, result),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** Where the key stands, changing nothing (the limiter's `increment: false`). */
  read(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void): void {
    const now = this.clock.now();
    this.db
      .selectFrom('sign_in_attempts')
      .select(['attempts', 'reset_at'])
      .where('key', '=', key)
      .executeTakeFirst()
      .then(
        (row) => callback(null, row && Number(row.reset_at) > now ? { current: row.attempts, ttl: Number(row.reset_at) - now } : { current: 0, ttl: 0 }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
  }

  private async count(key: string, windowMs: number, max: number): Promise<{ current: number; ttl: number }> {
    const now = this.clock.now();
    return this.db.transaction().execute(async (trx) => {
      await trx.insertInto('sign_in_attempts').values({ key, attempts: 0, reset_at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
      const row = await trx
        .selectFrom('sign_in_attempts')
        .select(['attempts', 'reset_at'])
        .where('key', '=', key)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate())
        .executeTakeFirstOrThrow();
      const expired = Number(row.reset_at) <= now;
      const attempts = expired ? 1 : row.attempts + 1;
      let resetAt = expired ? now + windowMs : Number(row.reset_at);
      if (key.startsWith(accountPrefix) && attempts >= max) resetAt = now + Math.min(longestWaitMs, (windowMs / 15) * 2 ** (attempts - max));
      await trx.updateTable('sign_in_attempts').set({ attempts, reset_at: resetAt }).where('key', '=', key).execute();
      return { current: attempts, ttl: resetAt - now };
    });
  }

  child(): FastifyRateLimitStore {
    return this;
  }
}

const inWords = (ms: number) => {
  const seconds = Math.ceil(ms / 1000);
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
};

export interface SignInLimits {
  /** Before the password is checked: refused with RATE_LIMITED while the account or address waits. */
  check(request: FastifyRequest): Promise<void>;
  /** A wrong password: counted against the account and the address. */
  failed(request: FastifyRequest): Promise<void>;
}

export async function signInLimits(app: FastifyInstance, db: ServerDb, dialect: DialectName, clock: Clock): Promise<SignInLimits> {
  // The plugin makes its store with `new Store(options)`: this one closes over the database.
  class Store extends DatabaseStore {
    constructor() {
      super(db, dialect, clock);
    }
  }
  await app.register(rateLimit, { global: false, store: Store });
  const accountOf = (request: FastifyRequest) => {
    const body = loginRequestSchema.safeParse(request.body);
    return body.success ? body.data.username.toLowerCase() : '';
  };
  const limiters = [
    {
      limit: app.createRateLimit({ max: perAccount.max, timeWindow: perAccount.windowMs, keyGenerator: (request) => `${accountPrefix}${accountOf(request)}` }),
      words: (request: FastifyRequest) => `Too many wrong passwords for ${accountOf(request)}`,
    },
    {
      limit: app.createRateLimit({ max: perAddress.max, timeWindow: perAddress.windowMs, keyGenerator: (request) => `address:${request.ip}` }),
      words: () => 'Too many wrong passwords from this network address',
    },
  ];
  return {
    async check(request) {
      for (const { limit, words } of limiters) {
        const state = await limit(request, { increment: false });
        if (state.isAllowed || state.remaining > 0) continue;
        throw new FieldlineError('RATE_LIMITED', `${words(request)}: try again in ${inWords(state.ttl)}, or ask IT to check the account`, { retryAfterSeconds: state.ttlInSeconds });
      }
    },
    async failed(request) {
      for (const { limit } of limiters) await limit(request);
    },
  };
}
