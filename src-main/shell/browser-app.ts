/**
 * The desktop app in plain Node (no Electron binary needed): the client core, its sync worker
 * thread and the browser shell. `npm run shell -- --profile DIR [--server URL]`; `npm start` runs
 * it with the demo server where Electron is not available.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { startDesktopCore } from '../core/app/desktop-core';
import { KeytarSecretStore } from '../core/secrets/keytar-secret-store';
import { SettingsStore } from '../core/settings/settings-store';
import { startBrowserShell } from './browser-shell';
import { keyringForHeadlessLinux, type PrivateKeyring } from './private-keyring';
import packageJson from '../../package.json' with { type: 'json' };

const usage = `Fieldline in the browser shell

  npm run shell -- --profile DIR [--server URL] [--port P] [--keychain-service NAME] [--keyring-dir DIR]

  --server URL         preset the sign-in form's server (a user's earlier choice is kept)
  --port P             where the shell listens on 127.0.0.1 (default: any free port)
  --keyring-dir DIR    on Linux without a Secret Service: keep a private keyring here`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string' },
      server: { type: 'string' },
      port: { type: 'string', default: '0' },
      'keychain-service': { type: 'string', default: 'Fieldline' },
      'keyring-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.profile) {
    console.log(usage);
    process.exit(values.help ? 0 : 2);
  }
  const profileDir = resolve(values.profile);
  const keyring: PrivateKeyring | null = keyringForHeadlessLinux(resolve(values['keyring-dir'] ?? join(profileDir, '..', 'keyring')));
  if (values.server) {
    const settings = new SettingsStore(profileDir);
    if (settings.get().serverUrl === null) settings.update({ serverUrl: values.server });
  }
  const { router, logger } = await startDesktopCore({
    profileDir,
    secrets: new KeytarSecretStore(values['keychain-service']),
    versions: { fieldline: packageJson.version, node: process.versions.node, shell: 'browser' },
  });
  const shell = await startBrowserShell({ router, rendererDir: resolve(import.meta.dirname, '../../dist/renderer'), logger, port: Number(values.port) });
  console.log(`\nFieldline is running. Open this link once in a browser:\n\n  ${shell.launchUrl}\n`);
  let closing = false;
  const shutdown = () => {
    if (closing) return;
    closing = true;
    void (async () => {
      await shell.close();
      await router.close();
      keyring?.stop();
      process.exit(0);
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(`fieldline: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
