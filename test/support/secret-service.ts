/** A real Secret Service for the keychain tests (see startPrivateKeyring), in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateKeyring, useKeyring } from '../../src-main/shell/private-keyring';

export default function setup() {
  const home = mkdtempSync(join(tmpdir(), 'fieldline-keyring-'));
  const keyring = startPrivateKeyring(home);
  // Test workers inherit these: keytar finds the session bus, nothing touches the real HOME's keyring.
  useKeyring(keyring);
  return () => {
    keyring.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
