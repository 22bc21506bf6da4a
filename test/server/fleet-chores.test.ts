import { describe, expect, it } from 'vitest';
import { openServerDatabase } from '../../src-server/db/connect';
import { withChoreLock } from '../../src-server/db/chore-lock';
import { seedDemo } from '../../src-server/demo/seed-demo';
import { FakeClock } from '../support/fake-clock';
import { freshDatabase } from '../support/test-database';

/** Chores one instance of a fleet does for all, under a lock in PostgreSQL. */
describe('two instances on one PostgreSQL database', () => {
  it('both start with --demo at once: one seeds, the other finds the data, nothing fails', async () => {
    const { target, drop } = await freshDatabase('postgres');
    const [one, two] = await Promise.all([openServerDatabase(target), openServerDatabase(target)]);
    try {
      const clock = new FakeClock();
      const [a, b] = await Promise.all([seedDemo(one.db, one.dialect, clock, { workOrders: 50 }), seedDemo(two.db, two.dialect, clock, { workOrders: 50 })]);
      expect([a.seeded, b.seeded].sort()).toEqual([false, true]);
      expect((await one.db.selectFrom('credentials').select('username').execute()).map((r) => r.username).sort()).toEqual(['super1', 'tech1', 'tech2']);
      expect((await one.db.selectFrom('records').select('id').where('entity', '=', 'workOrder').execute()).length).toBe(50);
    } finally {
      await one.close();
      await two.close();
      await drop();
    }
  });

  it('a chore another instance is doing is skipped, not run twice', async () => {
    const { target, drop } = await freshDatabase('postgres');
    const [one, two] = await Promise.all([openServerDatabase(target), openServerDatabase(target)]);
    try {
      let release: () => void = () => undefined;
      const busy = new Promise<void>((resolve) => (release = resolve));
      let holding: () => void = () => undefined;
      const locked = new Promise<void>((resolve) => (holding = resolve));
      const first = withChoreLock(one.db, one.dialect, 'retention', { wait: false }, async () => {
        holding();
        await busy;
        return 'swept';
      });
      // The first holds the lock until released.
      await locked;
      expect(await withChoreLock(two.db, two.dialect, 'retention', { wait: false }, async () => 'swept again')).toBeNull();
      release();
      expect(await first).toBe('swept');
      expect(await withChoreLock(two.db, two.dialect, 'retention', { wait: false }, async () => 'swept later')).toBe('swept later');
    } finally {
      await one.close();
      await two.close();
      await drop();
    }
  });
});
