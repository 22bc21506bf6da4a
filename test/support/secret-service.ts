/**
 * A real Secret Service for the keychain tests: a private D-Bus session bus with gnome-keyring,
 * its keyrings in a temp dir, unlocked. keytar talks to it exactly as it would on a desktop.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  const home = mkdtempSync(join(tmpdir(), 'fieldline-keyring-'));
  const env = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: join(home, 'run') };
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  let out: string;
  try {
    out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8', env });
  } catch {
    throw new Error('dbus-daemon not found: install the Debian packages with `bash .ci/install-system-packages` (dbus, gnome-keyring).');
  }
  const [address, pid] = out.trim().split('\n');
  if (!address || !pid) throw new Error(`dbus-daemon gave no address: ${out}`);
  const withBus = { ...env, DBUS_SESSION_BUS_ADDRESS: address };
  for (const args of [['--unlock', '--components=secrets', '--daemonize'], ['--start', '--components=secrets']]) {
    const result = spawnSync('gnome-keyring-daemon', args, { input: 'fieldline-test-keyring', env: withBus, encoding: 'utf8' });
    if (result.error) throw new Error('gnome-keyring-daemon not found: install it with `bash .ci/install-system-packages`.');
  }
  // Test workers inherit these: keytar finds the session bus, nothing touches the real HOME's keyring.
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  process.env.XDG_RUNTIME_DIR = env.XDG_RUNTIME_DIR;
  return () => {
    // gnome-keyring-daemon exits with its session bus.
    try {
      process.kill(Number(pid));
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
}
