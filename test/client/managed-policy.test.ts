import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicyFile, policyFilePath } from '../../src-main/core/settings/policy-file';
import { SettingsStore } from '../../src-main/core/settings/settings-store';

describe('the IT policy file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fieldline-policy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives at the documented path on each OS', () => {
    expect(policyFilePath('win32', { ProgramData: 'C:\\ProgramData' })).toBe(join('C:\\ProgramData', 'Fieldline', 'policy.json'));
    expect(policyFilePath('darwin', {})).toBe('/Library/Application Support/Fieldline/policy.json');
    expect(policyFilePath('linux', {})).toBe('/etc/fieldline/policy.json');
    expect(policyFilePath('linux', { FIELDLINE_POLICY_FILE: '/tmp/p.json' })).toBe('/tmp/p.json');
  });

  it('no file is no policy; a broken or invalid file is a clear error and the defaults, never a crash', () => {
    expect(loadPolicyFile(join(dir, 'missing.json'))).toMatchObject({ policy: null, error: null });
    writeFileSync(join(dir, 'broken.json'), '{ "serverUrl": ');
    expect(loadPolicyFile(join(dir, 'broken.json')).error).toMatch(/not valid JSON.*Tell IT/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ syncIntervalMinutes: { min: 0, max: 5 }, colour: 'red' }));
    const bad = loadPolicyFile(join(dir, 'bad.json'));
    expect(bad.policy).toBeNull();
    expect(bad.error).toMatch(/not valid \(.*syncIntervalMinutes/);
    const settings = new SettingsStore(join(dir, 'profile'), undefined, bad);
    expect(settings.get().syncIntervalMinutes).toBe(15);
    expect(settings.policyView().error).toBe(bad.error);
  });

  it('beats the user: managed fields are refused with a message, the interval is held in range', () => {
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ serverUrl: 'https://sync.corp.example', allowServerChange: false, syncIntervalMinutes: { min: 5, max: 30 }, largeUploadsUnmeteredOnly: true, updates: { enabled: false } }));
    const settings = new SettingsStore(join(dir, 'profile'), undefined, loadPolicyFile(file));
    expect(settings.get()).toMatchObject({ serverUrl: 'https://sync.corp.example', largeUploadsUnmeteredOnly: true, syncIntervalMinutes: 15 });
    expect(() => settings.checkAllowed({ serverUrl: 'https://elsewhere.example' })).toThrow(/IT has set the server/);
    expect(() => settings.checkAllowed({ largeUploadsUnmeteredOnly: false })).toThrow(/IT manages/);
    expect(() => settings.checkAllowed({ syncIntervalMinutes: 60 })).toThrow(/between 5 and 30/);
    settings.checkAllowed({ syncIntervalMinutes: 20, serverUrl: 'https://sync.corp.example' });
    settings.update({ syncIntervalMinutes: 20 });
    expect(settings.get().syncIntervalMinutes).toBe(20);
    expect(settings.policyView()).toMatchObject({ managed: ['serverUrl', 'largeUploadsUnmeteredOnly', 'syncIntervalMinutes'], updates: { enabled: false } });
    // Without the policy the user's own choices come back.
    expect(new SettingsStore(join(dir, 'profile')).get()).toMatchObject({ serverUrl: null, largeUploadsUnmeteredOnly: true, syncIntervalMinutes: 20 });
  });
});
