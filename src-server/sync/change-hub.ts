import type { ServerEvent } from '../../src-shared/protocol/events';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import type { ChangesTable } from '../db/schema';
import { changeConcerns, relevanceRules, type Principal } from './scope';
import type { Transaction } from 'kysely';
import type { ServerDatabase } from '../db/schema';
import type { CommitResult, ConflictAudience } from './unit-of-work';

type Listener = (event: ServerEvent) => void;

/** The other instances of a fleet (cluster-notifications.ts, on PostgreSQL). */
export interface ClusterLink {
  /** Whether this instance hears the others' commits now. */
  readonly listening: boolean;
  /** Tells them of a commit, inside its transaction. */
  announce(trx: Transaction<ServerDatabase>, commit: Pick<CommitResult, 'head' | 'changes' | 'conflicts'>): Promise<void>;
}

/**
 * Tells connected devices that something in their scope committed, so they pull at once instead of
 * waiting for the periodic trigger. It carries only the new head, never data.
 */
export class ChangeHub {
  private readonly listeners = new Set<{ principal: Principal; rules: ReturnType<typeof relevanceRules>; listener: Listener }>();
  private readonly committed = new Set<(changes: readonly ChangesTable[]) => void>();

  /** Server-side work that follows a commit (an attachment's file goes with its tombstone). */
  onCommitted(listener: (changes: readonly ChangesTable[]) => void): void {
    this.committed.add(listener);
  }

  subscribe(principal: Principal, listener: Listener): () => void {
    const entry = { principal, rules: relevanceRules(principal), listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** After a commit here: its changes to the devices they concern, its conflicts to their sites' supervisors and their authors. */
  publish(head: number, changes: readonly ChangesTable[], conflicts: readonly ConflictAudience[] = []): void {
    if (changes.length > 0) for (const listener of this.committed) listener(changes);
    this.tell(head, changes, conflicts);
  }

  /** A commit of another instance (cluster-notifications.ts): the devices here are told; the server-side work was done there. */
  deliverFromPeer(head: number, changes: readonly ChangesTable[], conflicts: readonly ConflictAudience[] | 'everyone'): void {
    this.tell(head, changes, conflicts);
  }

  /** Every device here pulls (wake-ups may have been missed). */
  pullEveryone(head: number): void {
    for (const { listener } of this.listeners) listener({ type: 'changed', head });
  }

  private tell(head: number, changes: readonly ChangesTable[], conflicts: readonly ConflictAudience[] | 'everyone'): void {
    for (const { principal, rules, listener } of this.listeners) {
      if (changes.some((change) => changeConcerns(rules, change))) listener({ type: 'changed', head });
      const { user } = principal;
      const concerned =
        conflicts === 'everyone' || conflicts.some((c) => c.userId === user.id || (overseesSites(user.role) && c.siteId !== null && user.siteIds.includes(c.siteId)));
      if (concerned && (conflicts === 'everyone' || conflicts.length > 0)) listener({ type: 'conflicts' });
    }
  }

  /** Inside a committing transaction: other instances hear of it once it commits (PostgreSQL; nothing to do on SQLite). */
  async announce(trx: Transaction<ServerDatabase>, commit: Pick<CommitResult, 'head' | 'changes' | 'conflicts'>): Promise<void> {
    await this.cluster?.announce(trx, commit);
  }

  /** Set once at start on PostgreSQL. */
  cluster: ClusterLink | null = null;

  get size(): number {
    return this.listeners.size;
  }
}
