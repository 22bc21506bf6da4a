import { z } from 'zod';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

/** What IT gets: checked here, where Electron and the Windows toolsets cannot run. */
const root = join(import.meta.dirname, '../..');
const text = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const config: unknown = parseYaml(text);

function field(path: string[]): unknown {
  let node: unknown = config;
  for (const key of path) node = typeof node === 'object' && node !== null ? Reflect.get(node, key) : undefined;
  return node;
}

describe('electron-builder.yml', () => {
  it('is valid against the JSON schema electron-builder ships', () => {
    const schema: unknown = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(typeof schema === 'object' && schema !== null ? schema : {});
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // The schema has teeth: a misspelt option or a wrong type is refused.
    expect(validate({ nsis: { perMachine: 'yes' } })).toBe(false);
    expect(validate({ electronFuse: { runAsNode: false } })).toBe(false);
  });

  it('hardens Electron with its fuses', () => {
    expect(field(['electronFuses'])).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });

  it('builds per-machine NSIS and MSI, signs native modules, unpacks them from the asar, keeps user data on upgrade', () => {
    expect(field(['nsis', 'perMachine'])).toBe(true);
    expect(field(['nsis', 'oneClick'])).toBe(false);
    expect(field(['nsis', 'deleteAppDataOnUninstall'])).toBe(false);
    expect(field(['msi', 'perMachine'])).toBe(true);
    expect(JSON.stringify(field(['win', 'target']))).toMatch(/nsis.*msi/);
    expect(field(['win', 'signExts'])).toContain('.node');
    expect(field(['win', 'signtoolOptions', 'rfc3161TimeStampServer'])).toMatch(/^http/);
    expect(field(['asarUnpack'])).toEqual(expect.arrayContaining(['**/*.node', 'node_modules/better-sqlite3-multiple-ciphers/**', 'node_modules/keytar/**']));
    expect(field(['publish'])).toEqual([expect.objectContaining({ provider: 'generic' })]);
  });

  it('holds no secret: certificates come from the environment', () => {
    expect(text).not.toMatch(/cscLink|cscKeyPassword|certificatePassword|certificateFile|AZURE_CLIENT_SECRET\s*:/);
  });
});

describe('npm run dist', () => {
  it('says what it needs and stops where it is missing, as on this machine', () => {
    const env = { ...process.env };
    for (const name of ['WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD', 'FIELDLINE_ELECTRON_DIST', 'FIELDLINE_ALLOW_DOWNLOADS', 'ELECTRON_BUILDER_BINARIES_MIRROR']) delete env[name];
    const result = spawnSync(join(root, 'node_modules/.bin/tsx'), [join(root, 'build/dist.ts'), '--win'], { cwd: root, env, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/cannot build the Windows installers on this machine/);
    expect(result.stderr).toMatch(/Electron binary for the target/);
    expect(result.stderr).toMatch(/code-signing certificate.*WIN_CSC_LINK/);
  });
});

describe('Electronegativity over the Electron sources', () => {
  it('finds nothing above low (silenced checks are explained where they are silenced)', () => {
    // SARIF, not CSV: finding texts hold commas and line breaks. Levels: note (low), warning (medium), error (high).
    const out = join(mkdtempSync(join(tmpdir(), 'fieldline-eneg-')), 'findings.sarif');
    const run = spawnSync(join(root, 'node_modules/.bin/electronegativity'), ['-i', join(root, 'src-main/electron'), '-o', out, '-r', '-v', 'false', '-e', '45.4.1'], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const sarif = z.object({ runs: z.array(z.object({ results: z.array(z.object({ ruleId: z.string(), level: z.string() })) })) }).parse(JSON.parse(readFileSync(out, 'utf8')));
    const findings = sarif.runs.flatMap((r) => r.results);
    expect(findings.length).toBeGreaterThan(0); // the scan ran and reported its low, reviewed findings
    expect(findings.filter((f) => f.level !== 'note' && f.level !== 'none')).toEqual([]);
  });
});
