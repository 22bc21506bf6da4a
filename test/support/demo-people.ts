import { userSchema, type User } from '../../src-shared/domain/entities';
import type { TestServer } from './test-server';

/** The demo's people as the server holds them (seed-demo.ts): tech1, tech2, super1. */
export async function demoPeople(t: TestServer): Promise<Record<'tech1' | 'tech2' | 'super1', User>> {
  const rows = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'user').execute();
  const users = rows.map((r) => userSchema.parse(JSON.parse(r.data)));
  const byName = (username: string) => {
    const user = users.find((u) => u.username === username);
    if (!user) throw new Error(`the demo has no ${username}`);
    return user;
  };
  return { tech1: byName('tech1'), tech2: byName('tech2'), super1: byName('super1') };
}
