import { v7 as uuidv7 } from 'uuid';
import type { Json } from '../../src-shared/domain/json';
import type { ServerDb } from '../db/schema';

/**
 * Who made an administrative change: an admin by user id, the CLI by the operating-system account
 * that ran it, an integration by its token's name.
 */
export type Actor = { kind: 'user'; userId: string } | { kind: 'cli'; account: string } | { kind: 'integration'; tokenId: string; name: string };

export function actorName(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return `user:${actor.userId}`;
    case 'cli':
      return `cli:${actor.account}`;
    case 'integration':
      return `integration:${actor.name}`;
  }
}

/** One line of the audit log, written in the same transaction as the change it records. */
export async function audit(db: ServerDb, nowIso: string, actor: Actor, action: string, target: string, details: Json = {}): Promise<void> {
  await db.insertInto('audit_log').values({ id: uuidv7(), at: nowIso, actor: actorName(actor), action, target, details: JSON.stringify(details) }).execute();
}
