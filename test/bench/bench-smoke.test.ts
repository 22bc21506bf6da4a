import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = join(import.meta.dirname, '..', '..');
const resultsSchema = z.object({ quick: z.literal(true), figures: z.array(z.object({ id: z.string(), value: z.number(), pass: z.boolean().nullable() })) });

/**
 * `npm run bench -- --quick` end to end: every figure is still measured and written. It reads the
 * app's own code paths (sync API, pull answers, push), so a change there that breaks the bench shows
 * here and not only in the next full run. The values are not judged: speed is the bench's business.
 */
describe('the bench, at a tenth of its sizes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fieldline-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('measures and writes every figure', async () => {
    const resultsFile = join(dir, 'results.json');
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'bench', 'run.ts'), '--quick', '--results', resultsFile], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    const results = resultsSchema.parse(JSON.parse(readFileSync(resultsFile, 'utf8')));
    expect(results.figures.map((f) => f.id)).toEqual(['1a', '1b', '1c', '1d', '1e', '2', '3a', '3b', '3b-off', '3c', '4', '5', '6', '7', '7b', '7c', '7d', '8a', '8b', '9a', '9b']);
    expect(results.figures.every((f) => Number.isFinite(f.value) && f.value > 0)).toBe(true);
  }, 480_000);
});
