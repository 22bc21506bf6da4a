import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { serverCommand } from '../../src-main/shell/server-command';

const root = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  url: string;
  /** Where it keeps its data, and its PostgreSQL database when it has one: what the admin CLI is pointed at. */
  dataDir: string;
  databaseUrl?: string;
  child: ChildProcess;
  /** The process the server runs under (tsx's launcher; the server is its child). */
  pid: number;
  seedMs: number;
  /** SIGTERM: a clean stop; SIGKILL: the server and its launcher die at once, as in a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Kills a process and its children at once (SIGKILL cannot be passed on by tsx's launcher). */
function killTree(pid: number): void {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) process.kill(Number(name), 'SIGKILL');
    } catch {
      // exited while listed
    }
  }
  process.kill(pid, 'SIGKILL');
}

/** The reference server in its own process, as deployed: the client's memory is measured alone. */
export function startServerProcess(options: { dataDir: string; workOrders: number; databaseUrl?: string; port?: number }): Promise<ServerProcess> {
  const started = Date.now();
  const server = serverCommand(root, ['--port', String(options.port ?? 0), '--data', options.dataDir, '--demo', '--demo-work-orders', String(options.workOrders)]);
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
        dataDir: options.dataDir,
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        child,
        pid: child.pid,
        seedMs: Date.now() - started,
        stop: (signal: NodeJS.Signals = 'SIGTERM') =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            // tsx's launcher passes SIGTERM on; SIGKILL goes to the server process itself (a crash).
            if (signal === 'SIGKILL') killTree(child.pid ?? -1);
            else child.kill(signal);
          }),
      });
    });
  });
}
