import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * How to start the reference sync server, read from package.json's `server` script, so the demo
 * (`npm start`) and the bench start it exactly as `npm run server` does, Node flags included: the
 * server runs with a 64 MB young generation (README, "The sync server", says why).
 */
export function serverCommand(root: string, serverArgs: readonly string[]): { command: string; args: string[] } {
  const [runner, ...args] = packageJson.scripts.server.split(/\s+/);
  if (runner !== 'tsx') throw new Error(`package.json's server script must start with tsx, not ${runner}`);
  return {
    command: join(root, 'node_modules', '.bin', 'tsx'),
    args: [...args.map((arg) => (arg.endsWith('.ts') ? join(root, arg) : arg)), ...serverArgs],
  };
}
