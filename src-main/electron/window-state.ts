import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const windowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(800).max(10_000),
  height: z.number().int().min(600).max(10_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof windowStateSchema>;

const defaults: WindowState = { width: 1366, height: 768, maximized: true };

/** Where the window was, so the app opens where the technician left it. */
export function loadWindowState(dir: string): WindowState {
  const file = join(dir, 'window-state.json');
  if (!existsSync(file)) return defaults;
  try {
    return windowStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return defaults;
  }
}

export function saveWindowState(dir: string, state: WindowState): void {
  writeFileSync(join(dir, 'window-state.json'), JSON.stringify(windowStateSchema.parse(state)));
}
