/**
 * One directory for the attachment files of every test server of a run, removed when the run
 * ends. A test server cannot remove its own when it stops: tus's FileStore makes its directory from
 * its constructor without waiting (attachment-store.ts), and a directory removed while that mkdir is
 * under way fails it as an uncaught exception (seen in CI, sync-worker-host.test.ts). This teardown
 * runs once every test file's worker has finished.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    serverFilesDir: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'fieldline-test-server-files-'));
  project.provide('serverFilesDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
