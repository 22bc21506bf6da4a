import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { serverCommand } from '../../src-main/shell/server-command';

const root = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'fl-server-command-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The command lines of a process's children (tsx runs the server in a child node process), from /proc. */
function childCommandLines(pid: number): string[][] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === pid ? [readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')] : [];
      } catch {
        return []; // exited while listed
      }
    });
}

describe('the server command of the demo and the bench', () => {
  it('starts the server as `npm run server` does, with its young generation of 64 MB', async () => {
    const { command, args } = serverCommand(root, ['--port', '0', '--data', dataDir]);
    const child = spawn(command, args, { cwd: root, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
          if (match?.[1]) resolve(match[1]);
        });
      });
      expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
      const pid = child.pid ?? -1;
      const node = childCommandLines(pid).find((line) => line.some((arg) => arg.endsWith(join('src-server', 'main.ts'))));
      expect(node, 'the node process that runs src-server/main.ts').toBeDefined();
      expect(node).toContain('--max-semi-space-size=64');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('takes its settings from the environment when no flag is given', async () => {
    const envData = mkdtempSync(join(tmpdir(), 'fl-server-env-'));
    const { command, args } = serverCommand(root, []);
    const child = spawn(command, args, { cwd: root, env: { ...process.env, LOG_LEVEL: 'info', FIELDLINE_PORT: '0', FIELDLINE_DATA_DIR: envData, FIELDLINE_RETENTION_DAYS: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
          if (match?.[1]) resolve(match[1]);
        });
      });
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(readdirSync(envData)).toContain('fieldline-server.db');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(envData, { recursive: true, force: true });
    }
  });
});
