/** The UI tests drive the built renderer, as the app ships it: build it once per run. */
import { join } from 'node:path';
import { build } from 'vite';

export default async function setup() {
  const root = join(import.meta.dirname, '../..');
  await build({ configFile: join(root, 'vite.config.ts'), root: join(root, 'src-renderer'), logLevel: 'warn' });
}
