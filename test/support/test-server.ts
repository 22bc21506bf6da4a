import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createSyncServer, type SyncServer, type SyncServerOptions } from '../../src-server/app';
import { openServerDatabase, type DatabaseTarget } from '../../src-server/db/connect';
import { seedDemo, demoPassword, type DemoSummary } from '../../src-server/demo/seed-demo';
import type { TokenResponse } from '../../src-shared/protocol/auth';
import { tokenResponseSchema } from '../../src-shared/protocol/auth';
import { FakeClock } from './fake-clock';
import { freshDatabase, type TestDialect } from './test-database';

export interface TestServer {
  url: string;
  server: SyncServer;
  clock: FakeClock;
  target: DatabaseTarget;
  demo: DemoSummary;
  /** Where the server keeps attachment files. */
  attachmentsDir: string;
  login(username: string): Promise<TokenResponse>;
  /** Stops the server (the database stays) and starts a new one on the same database and port, without `extend`. */
  restart(): Promise<void>;
  /** The server goes away (the database stays): devices see no answer at all. */
  pause(): Promise<void>;
  /** The same server comes back on the same port, with its `extend` hooks. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(
  dialect: TestDialect,
  options: { workOrders?: number; clock?: FakeClock; extend?: SyncServerOptions['extend']; retentionDays?: number; accessTokenTtlSeconds?: number } = {},
): Promise<TestServer> {
  const clock = options.clock ?? new FakeClock();
  const { target, drop } = await freshDatabase(dialect);
  const database = await openServerDatabase(target);
  const demo = await seedDemo(database.db, database.dialect, clock, { workOrders: options.workOrders ?? 60 });
  // The attachment files outlive a restart, like the database, and go when the run ends (server-files.ts).
  const attachmentsDir = mkdtempSync(join(inject('serverFilesDir'), 'server-'));
  const attachments = { dir: attachmentsDir };
  const serverOptions = { ...(options.retentionDays ? { retentionDays: options.retentionDays } : {}), ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}) };
  let server = await createSyncServer({ database, clock, attachments, ...serverOptions, ...(options.extend ? { extend: options.extend } : {}) });
  const url = await server.listen(0);
  const port = Number(new URL(url).port);
  const handle: TestServer = {
    url,
    get server() {
      return server;
    },
    clock,
    target,
    demo,
    attachmentsDir,
    async login(username) {
      const response = await fetch(`${handle.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: demoPassword }),
      });
      if (response.status !== 200) throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
      return tokenResponseSchema.parse(await response.json());
    },
    async pause() {
      await server.close();
    },
    async resume() {
      server = await createSyncServer({ database: await openServerDatabase(target), clock, attachments, ...serverOptions, ...(options.extend ? { extend: options.extend } : {}) });
      await server.listen(port);
    },
    async restart() {
      await server.close();
      server = await createSyncServer({ database: await openServerDatabase(target), clock, attachments, ...serverOptions });
      await server.listen(port);
    },
    async stop() {
      await server.close();
      await drop();
    },
  };
  return handle;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

export async function api(url: string, path: string, init: { method?: string; token?: string; body?: unknown; rawBody?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | Uint8Array | undefined = init.rawBody;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  } else if (init.rawBody !== undefined && !headers['content-type']) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  return { status: response.status, body: text.length > 0 ? JSON.parse(text) : null };
}
