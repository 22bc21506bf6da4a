import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { startDesktopCore, type DesktopCore } from '../../src-main/core/app/desktop-core';
import { KeytarSecretStore } from '../../src-main/core/secrets/keytar-secret-store';
import { startBrowserShell, type BrowserShell } from '../../src-main/shell/browser-shell';

export const rendererDir = join(import.meta.dirname, '../../dist/renderer');

export interface AppClient extends DesktopCore {
  shell: BrowserShell;
  profileDir: string;
  secrets: KeytarSecretStore;
  close(): Promise<void>;
}

/**
 * A laptop running the desktop app in the browser shell: its own profile dir, its own keychain
 * service on the test Secret Service, the sync worker in its thread, the built renderer.
 */
export async function startAppClient(options: { rendererDir?: string; policyFile?: string } = {}): Promise<AppClient> {
  const profileDir = mkdtempSync(join(tmpdir(), 'fieldline-app-'));
  const secrets = new KeytarSecretStore(`FieldlineTest-${uuidv7()}`);
  // Never the machine's real policy file: a test names its own or none.
  const policyFile = options.policyFile ?? join(profileDir, 'no-policy.json');
  const desktop = await startDesktopCore({ profileDir, secrets, versions: { fieldline: 'test' }, logLevel: 'silent', policyFile });
  const shell = await startBrowserShell({ router: desktop.router, rendererDir: options.rendererDir ?? rendererDir, logger: desktop.logger });
  return {
    ...desktop,
    shell,
    profileDir,
    secrets,
    async close() {
      await shell.close();
      await desktop.router.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
