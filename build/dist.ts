/**
 * `npm run dist -- [--win|--linux] [--unsigned]`: builds the installers with electron-builder
 * (electron-builder.yml). It first checks what packaging needs and stops with a list of what is
 * missing, rather than failing half-way:
 *   - the Electron binary for the target (electron-builder downloads it, or FIELDLINE_ELECTRON_DIST
 *     points at an unpacked one);
 *   - for Windows: NSIS and WiX (electron-builder fetches them; ELECTRON_BUILDER_BINARIES_MIRROR
 *     can point at an internal mirror), and on Linux or macOS hosts wine to stamp and sign the .exe;
 *   - a code-signing certificate from the environment (WIN_CSC_LINK + WIN_CSC_KEY_PASSWORD, or
 *     Azure Trusted Signing: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
 *     AZURE_SIGNING_ENDPOINT, AZURE_SIGNING_ACCOUNT, AZURE_CERT_PROFILE), unless --unsigned.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Check {
  what: string;
  ok: boolean;
  fix: string;
}

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const target = args.includes('--linux') ? 'linux' : 'win';
const unsigned = args.includes('--unsigned');
const env = process.env;

function onPath(tool: string): boolean {
  return spawnSync(process.platform === 'win32' ? 'where' : 'which', [tool], { stdio: 'ignore' }).status === 0;
}

function localElectronDist(): string | null {
  if (env.FIELDLINE_ELECTRON_DIST) return existsSync(env.FIELDLINE_ELECTRON_DIST) ? env.FIELDLINE_ELECTRON_DIST : null;
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve('electron/package.json')), 'dist');
    // The npm package's binary is for this host: usable only when building for this host's OS.
    const hostTarget = process.platform === 'win32' ? 'win' : process.platform === 'linux' ? 'linux' : 'other';
    return existsSync(join(dir, 'version')) && hostTarget === target ? dir : null;
  } catch {
    return null;
  }
}

const azure = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_SIGNING_ENDPOINT', 'AZURE_SIGNING_ACCOUNT', 'AZURE_CERT_PROFILE'];
const hasAzure = azure.every((name) => env[name]);
const hasCertificate = Boolean(env.WIN_CSC_LINK && env.WIN_CSC_KEY_PASSWORD);
const electronDist = localElectronDist();
const checks: Check[] = [
  {
    what: 'Electron binary for the target',
    ok: electronDist !== null || env.FIELDLINE_ALLOW_DOWNLOADS === '1',
    fix: 'set FIELDLINE_ELECTRON_DIST to an unpacked Electron 45 for the target, or FIELDLINE_ALLOW_DOWNLOADS=1 where electron-builder may download it',
  },
  {
    what: 'the renderer and main bundles (npm run build)',
    ok: existsSync(join(root, 'dist/renderer/index.html')) && existsSync(join(root, 'dist/electron/main.js')),
    fix: 'run npm run build',
  },
];
if (target === 'win') {
  checks.push({
    what: 'NSIS and WiX toolsets',
    ok: env.FIELDLINE_ALLOW_DOWNLOADS === '1' || Boolean(env.ELECTRON_BUILDER_BINARIES_MIRROR),
    fix: 'set ELECTRON_BUILDER_BINARIES_MIRROR to a mirror of the electron-builder-binaries releases, or FIELDLINE_ALLOW_DOWNLOADS=1',
  });
  if (process.platform !== 'win32') checks.push({ what: 'wine (to stamp and sign the Windows executable)', ok: onPath('wine') || onPath('wine64'), fix: 'install wine, or build on Windows' });
  if (!unsigned) {
    checks.push({
      what: 'a code-signing certificate in the environment',
      ok: hasCertificate || hasAzure,
      fix: `set WIN_CSC_LINK and WIN_CSC_KEY_PASSWORD, or ${azure.join(', ')}; --unsigned builds a test installer`,
    });
  }
}

const missing = checks.filter((c) => !c.ok);
for (const check of checks) console.log(`${check.ok ? '✓' : '✗'} ${check.what}`);
if (missing.length > 0) {
  console.error(`\nnpm run dist: cannot build the ${target === 'win' ? 'Windows' : 'Linux'} installers on this machine. Missing:`);
  for (const check of missing) console.error(`  - ${check.what}: ${check.fix}`);
  process.exit(1);
}

const builderArgs = [`--${target}`, '--publish', 'never'];
if (electronDist) builderArgs.push(`--config.electronDist=${electronDist}`);
if (target === 'win' && hasAzure && !hasCertificate) {
  builderArgs.push(
    `--config.win.azureSignOptions.endpoint=${env.AZURE_SIGNING_ENDPOINT}`,
    `--config.win.azureSignOptions.codeSigningAccountName=${env.AZURE_SIGNING_ACCOUNT}`,
    `--config.win.azureSignOptions.certificateProfileName=${env.AZURE_CERT_PROFILE}`,
    '--config.win.azureSignOptions.publisherName=Fieldline',
  );
}
const result = spawnSync(join(root, 'node_modules/.bin/electron-builder'), builderArgs, { stdio: 'inherit', cwd: root, env: { ...env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } });
process.exit(result.status ?? 1);
