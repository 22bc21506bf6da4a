import type { ChangesTable } from '../db/schema';
import { changeConcerns, relevanceRules, type Principal } from './scope';

type Listener = (head: number) => void;

/**
 * Tells connected devices that something in their scope committed, so they pull at once instead of
 * waiting for the periodic trigger. It carries only the new head, never data.
 */
export class ChangeHub {
  private readonly listeners = new Set<{ rules: ReturnType<typeof relevanceRules>; listener: Listener }>();

  subscribe(principal: Principal, listener: Listener): () => void {
    const entry = { rules: relevanceRules(principal), listener };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  publish(head: number, changes: readonly ChangesTable[]): void {
    if (changes.length === 0) return;
    for (const { rules, listener } of this.listeners) {
      if (changes.some((change) => changeConcerns(rules, change))) listener(head);
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
