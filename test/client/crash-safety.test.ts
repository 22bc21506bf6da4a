import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { SeededRandom } from '../../src-server/demo/seeded-random';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

const root = join(import.meta.dirname, '..', '..');

/**
 * Runs `cli sync` in a child process. `killWhen` is polled every few milliseconds while it runs;
 * when it says so, the child gets SIGKILL — wherever it is.
 */
function runSync(profileDir: string, service: string, killWhen: (() => Promise<boolean>) | null): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    // Node itself, not the tsx launcher: SIGKILL to a launcher would leave its child running.
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-main', 'shell', 'cli.ts'), '--profile', profileDir, '--keychain-service', service, 'sync', '--batch', '1'], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    let killed = false;
    let exited = false;
    const poll = async () => {
      while (killWhen && !exited && !killed) {
        if (await killWhen()) killed = child.kill('SIGKILL');
        else await new Promise((r) => setTimeout(r, 3));
      }
    };
    void poll();
    child.on('exit', (code) => {
      exited = true;
      resolve({ killed, code, stderr });
    });
  });
}

describe('crash safety', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 240 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('a sync killed at random points resumes each time; no op is lost and none is applied twice', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const { items } = await session.queries.list({ limit: 200 });
    const targets = items.filter((w) => w.status !== 'completed').slice(0, 60);
    const siteId = session.info.siteIds[0] ?? '';
    for (const [i, wo] of targets.entries()) {
      await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: `crash-probe-${i}`, value: i, unit: 'V' });
    }
    const created: string[] = [];
    for (let i = 0; i < 60; i++) {
      created.push((await session.workOrders.create({ siteId, assetId: null, type: 'corrective', title: `Found on rounds ${i}`, priority: 'medium', tasks: ['Check'] })).id);
    }
    const queued = (await session.outbox.list()).map((op) => op.opId);
    expect(queued.length).toBe(targets.length + created.length);
    await device.core.close();

    const random = new SeededRandom(42);
    let kills = 0;
    const appliedCount = async () => Number((await t.server.db.selectFrom('applied_ops').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    for (let round = 0; round < 40; round++) {
      // Kill after a random number of further ops reached the server: mid-push, between the
      // server's commit and the device's bookkeeping, or (when little is left) in the pull.
      const start = await appliedCount();
      const after = random.int(1, 9);
      const outcome = await runSync(device.profileDir, device.service, async () => (await appliedCount()) >= start + after);
      if (!outcome.killed) {
        expect(outcome.code, outcome.stderr).toBe(0);
        break;
      }
      kills++;
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    const final = await runSync(device.profileDir, device.service, null);
    expect(final.code, final.stderr).toBe(0);

    const applied = await t.server.db.selectFrom('applied_ops').select('op_id').execute();
    expect(new Set(applied.map((r) => r.op_id))).toEqual(new Set(queued));
    for (const [i, wo] of targets.entries()) {
      const row = await t.server.db.selectFrom('records').select('data').where('id', '=', wo.id).executeTakeFirstOrThrow();
      const measurements = workOrderSchema.parse(JSON.parse(row.data)).measurements.filter((m) => m.name === `crash-probe-${i}`);
      expect(measurements).toHaveLength(1);
    }
    const titles = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', 'in', created).execute();
    expect(titles).toHaveLength(created.length);
    const resumed = await device.restart();
    const again = await resumed.resume();
    expect(await again?.outbox.list()).toEqual([]);
  }, 180_000);
});
