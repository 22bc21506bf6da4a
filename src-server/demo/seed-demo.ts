import type { EntityName } from '../../src-shared/domain/entity-registry';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { DialectName, ServerDb } from '../db/schema';
import { createUser } from '../auth/users';
import { RecordUnitOfWork } from '../sync/unit-of-work';
import { demoSites, generateDemoData } from './demo-data';
import { SeededRandom } from './seeded-random';
import { withChoreLock } from '../db/chore-lock';

export const demoPassword = 'fieldline';
export const demoUsers = ['tech1', 'tech2', 'super1'] as const;

/** Writes records in chunks, each its own transaction, through the same path as every other write. */
export async function writeRecords(
  db: ServerDb,
  dialect: DialectName,
  clock: Clock,
  records: readonly { entity: EntityName; data: JsonRecord & { id: string } }[],
  chunk = 5000,
): Promise<void> {
  for (let i = 0; i < records.length; i += chunk) {
    await db.transaction().execute(async (trx) => {
      const uow = new RecordUnitOfWork(trx, dialect);
      const nowIso = isoAt(clock);
      for (const { entity, data } of records.slice(i, i + chunk)) {
        const createdAt = typeof data.createdAt === 'string' ? data.createdAt : nowIso;
        uow.put({ entity, id: data.id, version: 1, data, deleted: false, createdAt, updatedAt: nowIso });
      }
      await uow.commit(nowIso, () => undefined);
    });
  }
}

export interface DemoSummary {
  seeded: boolean;
  users: { username: string; id: string; role: string }[];
  workOrders: number;
}

/**
 * Seeds an empty database with three sites, tech1, tech2, super1 and realistic work orders. Safe to
 * start on two instances at once: the second waits for the first and finds the data there.
 */
export async function seedDemo(db: ServerDb, dialect: DialectName, clock: Clock, options: { workOrders?: number; seed?: number } = {}): Promise<DemoSummary> {
  const summary = await withChoreLock(db, dialect, 'demo-seed', { wait: true }, () => seedIfEmpty(db, dialect, clock, options));
  if (!summary) throw new Error('the demo seed did not run');
  return summary;
}

async function seedIfEmpty(db: ServerDb, dialect: DialectName, clock: Clock, options: { workOrders?: number; seed?: number }): Promise<DemoSummary> {
  const existing = await db.selectFrom('credentials').select(['user_id', 'username']).execute();
  if (existing.length > 0) return { seeded: false, users: existing.map((u) => ({ username: u.username, id: u.user_id, role: '' })), workOrders: 0 };
  const random = new SeededRandom(options.seed ?? 7);
  const sites = demoSites(random);
  const [north, river, airport] = sites.map((s) => s.id);
  if (!north || !river || !airport) throw new Error('demo sites missing');
  const tech1 = await createUser(db, dialect, clock, { username: 'tech1', password: demoPassword, displayName: 'Alex Novak', role: 'technician', siteIds: [north, river] });
  const tech2 = await createUser(db, dialect, clock, { username: 'tech2', password: demoPassword, displayName: 'Sam Okafor', role: 'technician', siteIds: [river, airport] });
  const super1 = await createUser(db, dialect, clock, { username: 'super1', password: demoPassword, displayName: 'Maria Jensen', role: 'supervisor', siteIds: [north, river, airport] });
  const data = generateDemoData({
    seed: options.seed ?? 7,
    sites,
    technicians: [tech1, tech2],
    supervisorId: super1.id,
    workOrders: options.workOrders ?? 300,
    now: clock.now(),
  });
  await writeRecords(db, dialect, clock, [
    ...data.sites.map((d) => ({ entity: 'site' as const, data: d })),
    ...data.assets.map((d) => ({ entity: 'asset' as const, data: d })),
    ...data.parts.map((d) => ({ entity: 'part' as const, data: d })),
    ...data.workOrders.map((d) => ({ entity: 'workOrder' as const, data: d })),
  ]);
  // Demo numbers were given by the generator; continue after them.
  await db.updateTable('change_head').set({ work_order_number: data.workOrders.length }).where('id', '=', 1).execute();
  return {
    seeded: true,
    users: [tech1, tech2, super1].map((u) => ({ username: u.username, id: u.id, role: u.role })),
    workOrders: data.workOrders.length,
  };
}
