/** What the send order needs to know about a queued op. */
export interface QueuedOpRef {
  opId: string;
  /** entity/id of the record the op changes. */
  recordKey: string;
  /** Local sequence: the order in which ops were queued. */
  seq: number;
  /** 1 (highest) to 10. */
  priority: number;
  /**
   * pending: may be sent; in-flight: sent, no answer yet; failed / conflict: waits for a person;
   * refused: the server refused it and holds it as an escalation, so it holds nothing back.
   */
  state: 'pending' | 'in-flight' | 'failed' | 'conflict' | 'refused';
  /** Records that must exist on the server first (their create must have been acknowledged). */
  dependsOn: readonly string[];
  /** Not before this time (ms), because of backoff. */
  notBefore: number;
}

/**
 * docs/architecture.md, The sync model: priority, then FIFO — but never before an earlier op on the same record, nor before
 * the create of a record it references. An op that waits (backoff, failed, conflict) holds back
 * only later ops on its own record: no head-of-line blocking across records.
 * `unsyncedRecords` are records whose create has not been acknowledged yet.
 */
export function sendOrder(ops: readonly QueuedOpRef[], unsyncedRecords: ReadonlySet<string>, now: number): QueuedOpRef[] {
  // A refused op is answered for good: later changes of its record go out without it.
  const bySeq = ops.filter((op) => op.state !== 'refused').sort((a, b) => a.seq - b.seq);
  const firstOfRecord = new Map<string, QueuedOpRef>();
  for (const op of bySeq) if (!firstOfRecord.has(op.recordKey)) firstOfRecord.set(op.recordKey, op);
  const ready = bySeq.filter((op) => firstOfRecord.get(op.recordKey) === op && op.state === 'pending' && op.notBefore <= now);
  const byPriority = ready.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
  // A dependency may be created in this same batch: then it must come first.
  const chosen: QueuedOpRef[] = [];
  const creating = new Set<string>();
  let progress = true;
  let remaining = byPriority;
  while (progress) {
    progress = false;
    const next: QueuedOpRef[] = [];
    for (const op of remaining) {
      const waiting = op.dependsOn.some((dep) => unsyncedRecords.has(dep) && !creating.has(dep));
      if (waiting) next.push(op);
      else {
        chosen.push(op);
        creating.add(op.recordKey);
        progress = true;
      }
    }
    remaining = next;
  }
  return chosen;
}
