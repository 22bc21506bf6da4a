import keytar from 'keytar';
import type { SecretStore } from './secret-store';

/** The OS keychain: Windows Credential Manager, macOS Keychain, the Secret Service on Linux. */
export class KeytarSecretStore implements SecretStore {
  constructor(private readonly service = 'Fieldline') {}

  get(account: string): Promise<string | null> {
    return keytar.getPassword(this.service, account);
  }

  set(account: string, secret: string): Promise<void> {
    return keytar.setPassword(this.service, account, secret);
  }

  delete(account: string): Promise<boolean> {
    return keytar.deletePassword(this.service, account);
  }
}
