/**
 * A Secret Service for Linux machines that have none (a server, CI, a container): a private D-Bus
 * session bus with gnome-keyring, its keyrings in `dir`, unlocked. keytar talks to it exactly as
 * it would on a desktop. Used by `npm start` on a headless machine and by the tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateKeyring {
  address: string;
  runtimeDir: string;
  stop(): void;
}

export function startPrivateKeyring(dir: string): PrivateKeyring {
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: join(dir, 'run') };
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  let out: string;
  try {
    out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8', env });
  } catch {
    throw new Error('dbus-daemon not found: install the Debian packages with `npm run setup` (dbus, gnome-keyring).');
  }
  const [address, pid] = out.trim().split('\n');
  if (!address || !pid) throw new Error(`dbus-daemon gave no address: ${out}`);
  const withBus = { ...env, DBUS_SESSION_BUS_ADDRESS: address };
  for (const args of [['--unlock', '--components=secrets', '--daemonize'], ['--start', '--components=secrets']]) {
    const result = spawnSync('gnome-keyring-daemon', args, { input: 'fieldline-private-keyring', env: withBus, encoding: 'utf8' });
    if (result.error) throw new Error('gnome-keyring-daemon not found: install it with `npm run setup`.');
  }
  return {
    address,
    runtimeDir: env.XDG_RUNTIME_DIR,
    stop() {
      // gnome-keyring-daemon exits with its session bus.
      try {
        process.kill(Number(pid));
      } catch {
        // already gone
      }
    },
  };
}

/** Points this process (and its children) at the keyring. */
export function useKeyring(keyring: PrivateKeyring): void {
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
  process.env.XDG_RUNTIME_DIR = keyring.runtimeDir;
}

/**
 * A Linux machine with no session bus (a server, CI, a container) has no keychain: the shells start
 * a private one in `dir` and say so, rather than fail at the first secret. Null where there is one.
 */
export function keyringForHeadlessLinux(dir: string): PrivateKeyring | null {
  if (process.platform !== 'linux' || process.env.DBUS_SESSION_BUS_ADDRESS) return null;
  const keyring = startPrivateKeyring(dir);
  useKeyring(keyring);
  console.warn(`fieldline: no Secret Service on this machine; keys are kept in a private keyring in ${dir} (fine for a demo, not for a field laptop)`);
  return keyring;
}
