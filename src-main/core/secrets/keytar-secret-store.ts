import keytar from 'keytar';
import { FieldlineError } from '../../../src-shared/protocol/errors';
import type { SecretStore } from './secret-store';

/**
 * The OS keychain: Windows Credential Manager, macOS Keychain, the Secret Service on Linux. When the
 * keychain itself cannot be reached, that is what the error says (STORE_LOCKED), never a server
 * error: nothing was sent anywhere.
 */
export class KeytarSecretStore implements SecretStore {
  constructor(private readonly service = 'Fieldline') {}

  get(account: string): Promise<string | null> {
    return keychain(() => keytar.getPassword(this.service, account));
  }

  set(account: string, secret: string): Promise<void> {
    return keychain(() => keytar.setPassword(this.service, account, secret));
  }

  delete(account: string): Promise<boolean> {
    return keychain(() => keytar.deletePassword(this.service, account));
  }
}

async function keychain<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FieldlineError(
      'STORE_LOCKED',
      `The system keychain cannot be reached (${reason}). On Windows and macOS sign in to the desktop session; on Linux a Secret Service must run (gnome-keyring; npm start and the CLI start a private one where there is no session bus).`,
    );
  }
}
