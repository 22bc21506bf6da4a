/**
 * `npm start`: the demo on one machine. Starts the reference sync server with demo data on the
 * embedded SQLite database, then the desktop client against it: the Electron window where the
 * Electron binary is installed, otherwise the browser shell with its link printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { serverCommand } from './server-command';

const root = resolve(import.meta.dirname, '../..');
const dataDir = join(root, '.fieldline-data');
const port = Number(process.env.FIELDLINE_DEMO_PORT ?? 8787);
const serverUrl = `http://127.0.0.1:${port}`;
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** The Electron binary, if its npm package could download it on this machine. */
function electronBinary(): string | null {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

async function waitForHealth(child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('the demo server exited; see its log above');
    const ok = await fetch(`${serverUrl}/api/v1/health`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the demo server did not answer on ${serverUrl} within 30 s`);
}

/** Refuses a port another program listens on: the demo would otherwise print a sign-in link to it. */
async function requireFreePort(): Promise<void> {
  const { createServer } = await import('node:net');
  await new Promise<void>((resolveFree, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use (another Fieldline demo, or another program). Stop it, or start the demo on another port: FIELDLINE_DEMO_PORT=8790 npm start`
            : `cannot listen on port ${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree()));
  });
}

async function main(): Promise<void> {
  await requireFreePort();
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);

  console.log(`Starting the demo sync server on ${serverUrl} (data in ${join(dataDir, 'server')})`);
  const demoServer = serverCommand(root, ['--demo', '--port', String(port), '--data', join(dataDir, 'server')]);
  const server = spawn(demoServer.command, demoServer.args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  children.push(server);
  await waitForHealth(server);
  console.log('Demo accounts (password "fieldline"): tech1, tech2 (technicians), super1 (supervisor)');

  const electron = electronBinary();
  const profile = join(dataDir, 'client');
  const client = electron
    ? spawn(electron, [join(root, 'dist/electron/main.js'), `--fieldline-server=${serverUrl}`], { stdio: 'inherit' })
    : spawn(tsx, [join(root, 'src-main/shell/browser-app.ts'), '--profile', profile, '--server', serverUrl, '--port', process.env.FIELDLINE_SHELL_PORT ?? '0'], {
        stdio: 'inherit',
        env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
      });
  if (!electron) console.log('Electron is not installed on this machine: running the browser shell.');
  children.push(client);
  client.on('exit', (code) => {
    stopAll();
    process.exitCode = code ?? 0;
  });
  server.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`The demo server stopped (exit ${code}).`);
  });
}

main().catch((error: unknown) => {
  console.error(`fieldline: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
