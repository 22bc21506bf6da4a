import { z } from 'zod';
import { idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import type { Clock } from '../../../src-shared/sync/clock';
import { sendOrder, type QueuedOpRef } from '../../../src-shared/sync/outbox-order';
import type { ClientDb } from '../store/client-schema';
import { recordKey } from '../../../src-shared/domain/ids';
import type { OutboxRow } from '../outbox/outbox-rows';

interface PlanContext {
  db: ClientDb;
  clock: Clock;
  /** Uncompressed bytes of a batch's values, at most. */
  maxBytes: number;
}

const dependsOnSchema = z.array(z.string());

/**
 * The send order of a push cycle, worked out once over the whole queue and then taken batch by
 * batch. Worked out again for each batch, it read every queued op each time: quadratic in the
 * queue (10k ops: a tenth of the client's push time; a week offline with 50k ops, 50 full reads).
 */
interface SendPlan {
  order: QueuedOpRef[];
  /** Position of the next op to take. */
  next: number;
  /** The queue's newest op when the plan was made: a newer one (a critical edit meanwhile) makes a new plan. */
  newestSeq: number;
  /** Records not yet acknowledged when the plan was made. */
  unsynced: ReadonlySet<string>;
  /** Those of them whose op went out in a batch taken from this plan. */
  sentUnsynced: Set<string>;
  /**
   * Some op waits only for an op in flight (an earlier one on its record, or the create of a
   * record it references): the plan serves one batch, so that the op goes in its priority's turn
   * once that answer is settled, not after everything else.
   */
  oneBatch: boolean;
}

async function newestSeq(ctx: PlanContext): Promise<number> {
  const row = await ctx.db.selectFrom('outbox').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** `taken`: ops chosen for the batch being filled, still queued as pending; they are not planned again. */
async function planSends(ctx: PlanContext, taken: ReadonlySet<string> = new Set()): Promise<SendPlan> {
  const newest = await newestSeq(ctx);
  const queued = await ctx.db.selectFrom('outbox').select(['op_id', 'entity', 'record_id', 'seq', 'priority', 'state', 'depends_on', 'next_attempt_at']).execute();
  // Records created here and not yet acknowledged, looked up from the queue by primary key: a
  // filter on version alone would read every record on the device.
  const unsynced = new Set(
    (
      await ctx.db
        .selectFrom('outbox as o')
        .innerJoin('records as r', (join) => join.onRef('r.entity', '=', 'o.entity').onRef('r.id', '=', 'o.record_id'))
        .select(['r.entity', 'r.id'])
        .where('r.version', '=', 0)
        .distinct()
        .execute()
    ).map((r) => recordKey(r.entity, r.id)),
  );
  const refs = queued.map((op) => ({
    opId: op.op_id,
    recordKey: recordKey(op.entity, op.record_id),
    seq: op.seq,
    priority: op.priority,
    state: op.state,
    dependsOn: dependsOnSchema.parse(JSON.parse(op.depends_on)),
    notBefore: op.next_attempt_at,
  }));
  const now = ctx.clock.now();
  const order = sendOrder(refs, unsynced, now);
  const planned = new Set(order.map((ref) => ref.opId));
  const inFlight = new Set(refs.filter((ref) => ref.state === 'in-flight').map((ref) => ref.recordKey));
  const oneBatch = refs.some(
    (ref) => ref.state === 'pending' && ref.notBefore <= now && !planned.has(ref.opId) && (inFlight.has(ref.recordKey) || ref.dependsOn.some((dep) => inFlight.has(dep))),
  );
  return { order: order.filter((ref) => !taken.has(ref.opId)), next: 0, newestSeq: newest, unsynced, sentUnsynced: new Set(), oneBatch };
}

/**
 * Chooses the next batch from the plan: send order, bounded by op count and by (uncompressed)
 * bytes. A new plan is made when this one is used up (see oneBatch) or the queue has a newer op,
 * and at an op that references a record created in an earlier batch of this plan: that create
 * may not be settled here yet (a create-create rewrites references to the record the server
 * kept), and the new plan holds such an op back until it is, as choosing every batch afresh did.
 */
async function takeBatch(ctx: PlanContext, maxOps: number, current: SendPlan | null): Promise<{ ops: OutboxRow[]; plan: SendPlan }> {
  let plan = current;
  if (!plan || plan.next >= plan.order.length || (await newestSeq(ctx)) > plan.newestSeq) plan = await planSends(ctx);
  const batch: OutboxRow[] = [];
  let bytes = 0;
  const createdHere = new Set<string>();
  let full = false;
  while (!full && batch.length < maxOps && plan.next < plan.order.length) {
    let replan = false;
    const sentUnsynced = plan.sentUnsynced;
    const window = plan.order.slice(plan.next, plan.next + maxOps - batch.length);
    const rows = new Map<string, OutboxRow>();
    for (const chunk of inChunks(window.map((ref) => ref.opId), idsPerStatement)) {
      // Still queued and not sent: the person may have discarded an op since the plan was made.
      for (const op of await ctx.db.selectFrom('outbox').selectAll().where('op_id', 'in', chunk).where('state', '=', 'pending').execute()) rows.set(op.op_id, op);
    }
    for (const ref of window) {
      if (ref.dependsOn.some((dep) => sentUnsynced.has(dep))) {
        replan = true;
        break;
      }
      const op = rows.get(ref.opId);
      if (op) {
        const size = op.field_values.length + 200;
        if (batch.length > 0 && bytes + size > ctx.maxBytes) {
          full = true;
          break;
        }
        batch.push(op);
        bytes += size;
        if (plan.unsynced.has(ref.recordKey)) createdHere.add(ref.recordKey);
      }
      plan.next++;
    }
    if (replan) plan = await planSends(ctx, new Set(batch.map((op) => op.op_id)));
  }
  for (const key of createdHere) plan.sentUnsynced.add(key);
  if (plan.oneBatch) plan.next = plan.order.length;
  return { ops: batch, plan };
}

/**
 * Which queued ops go out in the next push batch, for one push cycle (see takeBatch). The ops it
 * returns are still pending: the caller marks them in flight before it asks for the next batch.
 */
export class PushPlanner {
  private plan: SendPlan | null = null;

  constructor(private readonly ctx: PlanContext) {}

  async nextBatch(maxOps: number): Promise<OutboxRow[]> {
    const { ops, plan } = await takeBatch(this.ctx, maxOps, this.plan);
    this.plan = plan;
    return ops;
  }

  /** Ops were put back unsent: the next batch comes from a new plan, which takes them in their turn. */
  forget(): void {
    this.plan = null;
  }
}
