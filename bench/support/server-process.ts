import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { serverCommand } from '../../src-main/shell/server-command';

const root = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** The process the server runs under (tsx's launcher; the server is its child). */
  pid: number;
  seedMs: number;
  stop(): Promise<void>;
}

/** The reference server in its own process, as deployed: the client's memory is measured alone. */
export function startServerProcess(options: { dataDir: string; workOrders: number; databaseUrl?: string }): Promise<ServerProcess> {
  const started = Date.now();
  const server = serverCommand(root, ['--port', '0', '--data', options.dataDir, '--demo', '--demo-work-orders', String(options.workOrders)]);
  const child = spawn(server.command, server.args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout ?? process.stdin });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    lines.on('line', (line) => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (!match?.[1]) return;
      if (child.pid === undefined) return reject(new Error('the server process has no pid'));
      resolve({
        url: match[1],
        child,
        pid: child.pid,
        seedMs: Date.now() - started,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
