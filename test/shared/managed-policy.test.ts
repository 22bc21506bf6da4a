import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPolicy, managedPolicySchema, policyView, serverAddressRefusal } from '../../src-shared/policy/managed-policy';
import { settingsSchema } from '../../src-shared/settings/settings-schema';

const settingsArb = fc.record({
  serverUrl: fc.constantFrom(null, 'https://mine.example.com'),
  syncIntervalMinutes: fc.integer({ min: 1, max: 1440 }),
  largeUploadsUnmeteredOnly: fc.boolean(),
}).map((s) => settingsSchema.parse({ deviceId: 'device-0001', ...s }));

const policyArb = fc
  .record(
    {
      serverUrl: fc.constant('https://sync.corp.example'),
      allowServerChange: fc.boolean(),
      syncIntervalMinutes: fc.integer({ min: 1, max: 1440 }).chain((min) => fc.integer({ min, max: 1440 }).map((max) => ({ min, max }))),
      largeUploadsUnmeteredOnly: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .map((p) => managedPolicySchema.parse(p));

describe('IT policy over user settings', () => {
  it('managed fields always show the policy; the interval stays in range; the rest is the user’s', () => {
    fc.assert(
      fc.property(settingsArb, policyArb, (settings, policy) => {
        const effective = applyPolicy(settings, policy);
        if (policy.largeUploadsUnmeteredOnly !== undefined) expect(effective.largeUploadsUnmeteredOnly).toBe(policy.largeUploadsUnmeteredOnly);
        else expect(effective.largeUploadsUnmeteredOnly).toBe(settings.largeUploadsUnmeteredOnly);
        if (policy.serverUrl && !policy.allowServerChange) expect(effective.serverUrl).toBe(policy.serverUrl);
        if (policy.serverUrl && policy.allowServerChange) expect(effective.serverUrl).toBe(settings.serverUrl ?? policy.serverUrl);
        if (policy.syncIntervalMinutes) {
          expect(effective.syncIntervalMinutes).toBeGreaterThanOrEqual(policy.syncIntervalMinutes.min);
          expect(effective.syncIntervalMinutes).toBeLessThanOrEqual(policy.syncIntervalMinutes.max);
        } else expect(effective.syncIntervalMinutes).toBe(settings.syncIntervalMinutes);
        expect(applyPolicy(effective, policy)).toEqual(effective);
        expect(effective.deviceId).toBe(settings.deviceId);
      }),
    );
  });

  it('refuses a policy with unknown fields, a bad range or a plain-http update feed', () => {
    expect(managedPolicySchema.safeParse({ serverURL: 'https://x.example' }).success).toBe(false);
    expect(managedPolicySchema.safeParse({ syncIntervalMinutes: { min: 60, max: 5 } }).success).toBe(false);
    expect(managedPolicySchema.safeParse({ updates: { feedUrl: 'http://updates.example/' } }).success).toBe(false);
    expect(policyView(managedPolicySchema.parse({ updates: { enabled: false } }), 'p', null).updates.enabled).toBe(false);
  });
});

describe('which server addresses a laptop signs in to', () => {
  const policy = (allowHttpHosts: string[]) => managedPolicySchema.parse({ allowHttpHosts });

  it('https always; http only to this machine or a host IT allows', () => {
    expect(serverAddressRefusal('https://sync.example.com', null)).toBeNull();
    for (const local of ['http://127.0.0.1:8787', 'http://localhost:8787', 'http://[::1]:8787', 'http://127.4.5.6']) expect(serverAddressRefusal(local, null)).toBeNull();
    expect(serverAddressRefusal('http://sync.example.com', null)).toMatch(/unencrypted.*allowHttpHosts/);
    expect(serverAddressRefusal('http://10.0.0.5:8787', policy(['10.0.0.5']))).toBeNull();
    expect(serverAddressRefusal('http://10.0.0.6:8787', policy(['10.0.0.5']))).not.toBeNull();
    expect(serverAddressRefusal('ftp://sync.example.com', null)).not.toBeNull();
    expect(serverAddressRefusal('not a url', null)).not.toBeNull();
  });

  it('any http host not allowed and not loopback is refused, whatever its name', () => {
    fc.assert(
      fc.property(fc.domain(), fc.array(fc.domain(), { maxLength: 3 }), (host, allowed) => {
        const refusal = serverAddressRefusal(`http://${host}:8787`, policy(allowed));
        const ok = host === 'localhost' || allowed.some((a) => a.toLowerCase() === host.toLowerCase());
        expect(refusal === null).toBe(ok);
        expect(serverAddressRefusal(`https://${host}`, policy(allowed))).toBeNull();
      }),
    );
  });
});
