import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { jwtSecretsFrom } from '../../src-server/auth/jwt-keys';
import { api, startTestServer, type TestServer } from '../support/test-server';

const strong = () => randomBytes(48).toString('base64');

/** The access tokens' keys: no weak secret, no token without expiry, rotation without signing anyone out. */
describe('access token keys', () => {
  let t: TestServer | undefined;
  const saved = { secret: process.env.FIELDLINE_JWT_SECRET, previous: process.env.FIELDLINE_JWT_PREVIOUS_SECRET };
  afterEach(async () => {
    await t?.stop();
    t = undefined;
    for (const [name, value] of [['FIELDLINE_JWT_SECRET', saved.secret], ['FIELDLINE_JWT_PREVIOUS_SECRET', saved.previous]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('refuses a secret under 256 bits, or one of few characters, saying how to make one', () => {
    for (const weak of ['', 'a', 'a'.repeat(64), 'correct horse battery', '0123456789'.repeat(4)]) {
      expect(() => jwtSecretsFrom({ FIELDLINE_JWT_SECRET: weak })).toThrow(/too weak.*openssl rand -base64 48/);
    }
    expect(() => jwtSecretsFrom({ FIELDLINE_JWT_PREVIOUS_SECRET: strong() })).toThrow(/without FIELDLINE_JWT_SECRET/);
    const secret = strong();
    expect(jwtSecretsFrom({ FIELDLINE_JWT_SECRET: secret })).toEqual({ signing: secret, previous: null });
    expect(jwtSecretsFrom({})).toBeNull();
  });

  it('a server with a weak secret does not start', async () => {
    process.env.FIELDLINE_JWT_SECRET = 'a';
    await expect(startTestServer('sqlite', { workOrders: 5 })).rejects.toThrow(/FIELDLINE_JWT_SECRET is too weak/);
  });

  it('a token signed with the key but without an expiry is refused', async () => {
    const secret = strong();
    process.env.FIELDLINE_JWT_SECRET = secret;
    t = await startTestServer('sqlite', { workOrders: 5 });
    const login = await t.login('super1');
    const forever = await new SignJWT({ role: 'supervisor' }).setProtectedHeader({ alg: 'HS256' }).setSubject(login.user.id).setIssuedAt().sign(new TextEncoder().encode(secret));
    expect((await api(t.url, '/api/v1/me', { token: forever })).status).toBe(401);
    expect((await api(t.url, '/api/v1/me', { token: login.accessToken })).status).toBe(200);
  });

  it('rotating the key: tokens of the previous key still work while it is named, and not after', async () => {
    const old = strong();
    process.env.FIELDLINE_JWT_SECRET = old;
    t = await startTestServer('sqlite', { workOrders: 5 });
    const login = await t.login('tech1');
    process.env.FIELDLINE_JWT_SECRET = strong();
    process.env.FIELDLINE_JWT_PREVIOUS_SECRET = old;
    await t.restart();
    expect((await api(t.url, '/api/v1/me', { token: login.accessToken })).status).toBe(200);
    const fresh = await t.login('tech1');
    expect((await api(t.url, '/api/v1/me', { token: fresh.accessToken })).status).toBe(200);
    delete process.env.FIELDLINE_JWT_PREVIOUS_SECRET;
    await t.restart();
    expect((await api(t.url, '/api/v1/me', { token: login.accessToken })).status).toBe(401);
    expect((await api(t.url, '/api/v1/me', { token: fresh.accessToken })).status).toBe(200);
  });
});
