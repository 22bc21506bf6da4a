import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';

const root = join(import.meta.dirname, '..', '..');

function run(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What a new user meets on a fresh Linux machine without a desktop. */
describe('on a machine without a desktop keychain', () => {
  let t: TestServer;
  let dir: string;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 5 });
    dir = mkdtempSync(join(tmpdir(), 'fieldline-fresh-'));
  });
  afterEach(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const headless = () => {
    const { DBUS_SESSION_BUS_ADDRESS: _bus, ...env } = process.env;
    return env;
  };

  it('the CLI starts the same private keyring as npm start, says so, and signs in', async () => {
    const profile = join(dir, 'client');
    const login = await run('src-main/shell/cli.ts', ['--profile', profile, '--server', t.url, 'login', '--user', 'tech1', '--password', demoPassword], headless());
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain(`private keyring in ${join(dir, 'keyring')}`);
    const status = await run('src-main/shell/cli.ts', ['--profile', profile, 'status'], headless());
    expect(status.code, status.stderr).toBe(0);
  });

  it('a keychain that cannot be reached is reported as a keychain problem, not a server error', async () => {
    const login = await run('src-main/shell/cli.ts', ['--profile', join(dir, 'client'), '--server', t.url, 'login', '--user', 'tech1', '--password', demoPassword], {
      ...process.env,
      DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'no-bus-here')}`,
    });
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/STORE_LOCKED: The system keychain cannot be reached/);
  });

  it('npm start refuses a port another program holds, in words', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const started = await run('src-main/shell/start.ts', [], { ...process.env, FIELDLINE_DEMO_PORT: String(port) });
      expect(started.code).toBe(1);
      expect(started.stderr).toContain(`port ${port} is already in use`);
    } finally {
      holder.close();
    }
  });
});
