import { FieldlineError } from '../../../src-shared/protocol/errors';
import type { TokenResponse } from '../../../src-shared/protocol/auth';
import type { SecretStore } from '../secrets/secret-store';
import type { SyncApi } from '../sync/sync-api';

/**
 * docs/protocol.md, Authentication: the access token lives in memory only, the refresh token in the keychain. An
 * AUTH_ERROR triggers one refresh and one retry; refreshes are serialized, because presenting the
 * same refresh token twice revokes the whole sign-in.
 */
export class AuthSession {
  private accessToken: string | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly api: SyncApi,
    private readonly secrets: SecretStore,
    private readonly refreshAccount: string,
  ) {}

  async adopt(tokens: TokenResponse): Promise<void> {
    await this.secrets.set(this.refreshAccount, tokens.refreshToken);
    this.accessToken = tokens.accessToken;
  }

  /** Hands over an access token received elsewhere in this process (the sign-in), memory only. */
  useAccessToken(token: string | null): void {
    this.accessToken = token;
  }

  /** Runs `call` with a valid access token, refreshing once if the server says it is not. */
  async authorized<T>(call: (token: string) => Promise<T>): Promise<T> {
    if (this.accessToken === null) await this.refresh();
    try {
      return await call(this.requireToken());
    } catch (error) {
      if (!(error instanceof FieldlineError) || error.code !== 'AUTH_ERROR') throw error;
      await this.refresh();
      return call(this.requireToken());
    }
  }

  currentAccessToken(): string | null {
    return this.accessToken;
  }

  private requireToken(): string {
    if (this.accessToken === null) throw new FieldlineError('AUTH_ERROR', 'Signed out: sign in again');
    return this.accessToken;
  }

  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const refreshToken = await this.secrets.get(this.refreshAccount);
        if (!refreshToken) throw new FieldlineError('AUTH_ERROR', 'No saved sign-in on this device: sign in again');
        try {
          await this.adopt(await this.api.refresh(refreshToken));
        } catch (error) {
          // A refused refresh token is dead for good; a network failure is not.
          if (error instanceof FieldlineError && error.code === 'AUTH_ERROR') await this.secrets.delete(this.refreshAccount);
          throw error;
        }
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Revokes the sign-in on the server when it answers, and forgets the tokens here either way. */
  async signOut(): Promise<void> {
    const refreshToken = await this.secrets.get(this.refreshAccount);
    this.accessToken = null;
    if (refreshToken) await this.api.logout(refreshToken).catch(() => undefined);
    await this.secrets.delete(this.refreshAccount);
  }
}
