import type { ChangesTable } from '../db/schema';
import { changeConcerns, relevanceRules, type Principal } from './scope';

type Listener = (head: number) => void;

/**
 * Tells connected devices that something in their scope committed, so they pull at once instead of
 * waiting for the periodic trigger. It carries only the new head, never data.
 */
export class ChangeHub {
  private readonly listeners = new Set<{ rules: ReturnType<typeof relevanceRules>; listener: Listener }>();
  private readonly committed = new Set<(changes: readonly ChangesTable[]) => void>();

  /** Server-side work that follows a commit (an attachment's file goes with its tombstone). */
  onCommitted(listener: (changes: readonly ChangesTable[]) => void): void {
    this.committed.add(listener);
  }

  subscribe(principal: Principal, listener: Listener): () => void {
    const entry = { rules: relevanceRules(principal), listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  publish(head: number, changes: readonly ChangesTable[]): void {
    if (changes.length === 0) return;
    for (const listener of this.committed) listener(changes);
    for (const { rules, listener } of this.listeners) {
      if (changes.some((change) => changeConcerns(rules, change))) listener(head);
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
