import type { Clock } from '../../src-shared/sync/clock';
import type { DialectName, ServerDb } from '../db/schema';
import { createUser } from '../auth/users';
import { writeRecords, type RecordWrite } from '../admin/record-writes';
import { ChangeHub } from '../sync/change-hub';
import { demoSites, generateDemoData } from './demo-data';
import { SeededRandom } from './seeded-random';
import { withChoreLock } from '../db/chore-lock';

export const demoPassword = 'fieldline';

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
  const deps = { db, dialect, clock, hub: new ChangeHub() };
  const tech1 = await createUser(deps, { username: 'tech1', password: demoPassword, displayName: 'Alex Novak', role: 'technician', siteIds: [north, river] });
  const tech2 = await createUser(deps, { username: 'tech2', password: demoPassword, displayName: 'Sam Okafor', role: 'technician', siteIds: [river, airport] });
  const super1 = await createUser(deps, { username: 'super1', password: demoPassword, displayName: 'Maria Jensen', role: 'supervisor', siteIds: [north, river, airport] });
  const data = generateDemoData({
    seed: options.seed ?? 7,
    sites,
    technicians: [tech1, tech2],
    supervisorId: super1.id,
    workOrders: options.workOrders ?? 300,
    now: clock.now(),
  });
  const records: RecordWrite[] = [
    ...data.sites.map((d) => ({ entity: 'site' as const, id: d.id, data: d })),
    ...data.assets.map((d) => ({ entity: 'asset' as const, id: d.id, data: d })),
    ...data.parts.map((d) => ({ entity: 'part' as const, id: d.id, data: d })),
    ...data.workOrders.map((d) => ({ entity: 'workOrder' as const, id: d.id, data: d })),
  ];
  // In chunks, each its own transaction: a large demo never holds one write transaction for long.
  for (let i = 0; i < records.length; i += 5000) await writeRecords(deps, records.slice(i, i + 5000));
  // Demo numbers were given by the generator; continue after them.
  await db.updateTable('change_head').set({ work_order_number: data.workOrders.length }).where('id', '=', 1).execute();
  return {
    seeded: true,
    users: [tech1, tech2, super1].map((u) => ({ username: u.username, id: u.id, role: u.role })),
    workOrders: data.workOrders.length,
  };
}
