import { sql } from 'kysely';
import { z } from 'zod';
import { assetSchema, partSchema, siteSchema, workOrderSchema, attachmentMetaSchema } from '../../../src-shared/domain/entities';
import { referenceUserSchema } from '../../../src-shared/ipc/ipc-views';
import { workOrderListQuerySchema, type WorkOrderListQuery } from '../../../src-shared/domain/work-order-commands';
import { FieldlineError, parseOrThrow } from '../../../src-shared/protocol/errors';
import { recordSyncStateSchema } from '../../../src-shared/sync/sync-status';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { searchMatchExpression } from '../../../src-shared/domain/work-order-search';
import { unfinishedStatuses } from '../../../src-shared/domain/work-order-status';

/**
 * What the list shows of a stored work order. The full schema checked every field of every row for
 * a view that shows ten and counts tasks: a page of 100 parsed in 1.7 ms that way, 0.9 ms this way.
 */
const listedWorkOrderSchema = z.object({
  ...workOrderSchema.pick({ id: true, number: true, title: true, status: true, priority: true, type: true, siteId: true, assetId: true, assignedTo: true, scheduledEnd: true }).shape,
  tasks: z.array(z.object({ done: z.boolean() })),
});

/** The rowids of the work orders a search matches, from the word index (migration 0006). */
const searchHits = (match: string) => sql`select rowid from records_search where records_search match ${match}`;

export class WorkOrderQueries {
  constructor(private readonly db: ClientDb) {}

  /** The list: search over number, title and description; filters by status, site, priority, due date, overdue. */
  async list(input: WorkOrderListQuery) {
    const q: z.infer<typeof workOrderListQuerySchema> = parseOrThrow(workOrderListQuerySchema, input, 'work order query');
    let query = this.db.selectFrom('records').where('entity', '=', 'workOrder').where('pending_delete', '=', 0);
    const match = q.search ? searchMatchExpression(q.search) : null;
    // A scanned or typed asset tag finds the work orders on that asset, whatever their text says.
    const tagged = q.search ? await this.assetsTagged(q.search) : [];
    if (match && tagged.length > 0) {
      query = query.where(sql<boolean>`(records.rowid in (${searchHits(match)}) or json_extract(data, '$.assetId') in (${sql.join(tagged)}))`);
    } else if (match) query = query.where(sql<boolean>`records.rowid in (${searchHits(match)})`);
    if (q.statuses && q.statuses.length > 0) query = query.where('status', 'in', q.statuses);
    if (q.siteId) query = query.where('site_id', '=', q.siteId);
    if (q.priority) query = query.where('priority', '=', q.priority);
    if (q.dueBefore) query = query.where('scheduled_end', '<=', q.dueBefore);
    // isOverdue as a filter. Times compare as text, as for the due-date filter and the list's order.
    if (q.overdueAt) query = query.where('scheduled_end', '<', q.overdueAt).where('status', 'in', unfinishedStatuses);
    if (q.assignedTo === 'unassigned') query = query.where('assigned_to', 'is', null);
    else if (q.assignedTo) query = query.where('assigned_to', '=', q.assignedTo);
    if (q.openOnly) query = query.where('status', 'in', unfinishedStatuses);
    // On demand (an asset's page), so read from the record rather than kept in a column of its own.
    if (q.assetId) query = query.where(sql<string>`json_extract(data, '$.assetId')`, '=', q.assetId);
    const filtered = (q.statuses && q.statuses.length > 0) || q.siteId || q.priority || q.dueBefore || q.overdueAt || q.assignedTo || q.openOnly || q.assetId;
    const total = match && !filtered && tagged.length === 0 ? await this.searchTotal(match) : Number((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await query
      .select(['id', 'data', 'sync_state'])
      // Matches records_due_order_idx exactly, so SQLite walks the index instead of sorting.
      .orderBy(sql`(scheduled_end is null)`)
      .orderBy('scheduled_end')
      .orderBy('id')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    const items = rows.map((row) => {
      const wo = listedWorkOrderSchema.parse(JSON.parse(row.data));
      return {
        id: wo.id,
        number: wo.number,
        title: wo.title,
        status: wo.status,
        priority: wo.priority,
        type: wo.type,
        siteId: wo.siteId,
        assetId: wo.assetId,
        assignedTo: wo.assignedTo,
        scheduledEnd: wo.scheduledEnd,
        tasksDone: wo.tasks.filter((t) => t.done).length,
        tasksTotal: wo.tasks.length,
        syncState: recordSyncStateSchema.parse(row.sync_state),
      };
    });
    return { items, total };
  }

  /**
   * A search's total without other filters, from the word index alone: its hits less the work
   * orders deleted here and not yet acknowledged. Counted through the list's indexes instead, it
   * read every work order's index entry: most of a search's time on a large store.
   */
  private async searchTotal(match: string): Promise<number> {
    const hits = searchHits(match);
    const all = await sql<{ n: number }>`select count(*) as n from (${hits})`.execute(this.db);
    const deleted = await this.db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('entity', '=', 'workOrder')
      .where('pending_delete', '=', 1)
      .where(sql<boolean>`records.rowid in (${hits})`)
      .executeTakeFirstOrThrow();
    return Number(all.rows[0]?.n ?? 0) - Number(deleted.n);
  }

  private async records(entity: string, column: 'id' | 'site_id' | 'work_order_id', value: string) {
    return this.db.selectFrom('records').select(['data']).where('entity', '=', entity).where(column, '=', value).where('pending_delete', '=', 0).execute();
  }

  /** Sites, assets and people on the device, for the list's filters and columns and the new-work-order form. */
  /** The assets whose tag is exactly this text (any case): what a barcode scanner types. */
  private async assetsTagged(search: string): Promise<string[]> {
    const tag = search.trim();
    if (tag.length === 0 || tag.length > 64 || /\s/.test(tag)) return [];
    const rows = await this.db
      .selectFrom('records')
      .select('id')
      .where('entity', '=', 'asset')
      .where(sql<string>`lower(json_extract(data, '$.tag'))`, '=', tag.toLowerCase())
      .execute();
    return rows.map((row) => row.id);
  }

  /** This laptop's changes to a record that the server has not acknowledged yet, oldest first. */
  async pendingChanges(id: string) {
    const rows = await this.db.selectFrom('outbox').select(['summary', 'created_at', 'state']).where('record_id', '=', id).orderBy('seq').execute();
    return rows.map((row) => ({ summary: row.summary, at: row.created_at, state: row.state }));
  }

  /** Each person's open work (and the unassigned), overdue counted apart: a dispatcher's view of who has room. */
  async openLoad(now: string) {
    const rows = await this.db
      .selectFrom('records')
      .select(['assigned_to'])
      .select((eb) => eb.fn.countAll<number>().as('open'))
      .select(sql<number>`sum(case when scheduled_end < ${now} then 1 else 0 end)`.as('overdue'))
      .where('entity', '=', 'workOrder')
      .where('pending_delete', '=', 0)
      .where('status', 'in', unfinishedStatuses)
      .groupBy('assigned_to')
      .execute();
    return rows.map((row) => ({ assignedTo: row.assigned_to, open: Number(row.open), overdue: Number(row.overdue) }));
  }

  async reference() {
    const rows = await this.db.selectFrom('records').select(['entity', 'data']).where('entity', 'in', ['site', 'asset', 'user']).where('pending_delete', '=', 0).execute();
    const sites = rows.filter((r) => r.entity === 'site').map((r) => siteSchema.parse(parseData(r.data)));
    const assets = rows.filter((r) => r.entity === 'asset').map((r) => assetSchema.parse(parseData(r.data)));
    const users = rows.filter((r) => r.entity === 'user').map((r) => referenceUserSchema.parse(parseData(r.data)));
    sites.sort((a, b) => a.name.localeCompare(b.name));
    assets.sort((a, b) => a.tag.localeCompare(b.tag));
    users.sort((a, b) => a.displayName.localeCompare(b.displayName));
    return { sites, assets, users };
  }

  /** One work order with what the technician needs beside it: asset, site, stock at the site, attachments. */
  async get(id: string) {
    const row = await this.db.selectFrom('records').selectAll().where('entity', '=', 'workOrder').where('id', '=', id).where('pending_delete', '=', 0).executeTakeFirst();
    if (!row) throw new FieldlineError('NOT_FOUND', `Work order ${id} is not on this device`);
    const workOrder = workOrderSchema.parse(parseData(row.data));
    const [asset] = workOrder.assetId ? await this.records('asset', 'id', workOrder.assetId) : [];
    const [site] = await this.records('site', 'id', workOrder.siteId);
    const parts = await this.records('part', 'site_id', workOrder.siteId);
    const attachments = await this.records('attachment', 'work_order_id', workOrder.id);
    const conflicts = await this.db.selectFrom('conflicts').select(['id', 'kind', 'status']).where('entity', '=', 'workOrder').where('record_id', '=', id).where('status', '=', 'open').execute();
    return {
      workOrder,
      syncState: recordSyncStateSchema.parse(row.sync_state),
      asset: asset ? assetSchema.parse(parseData(asset.data)) : null,
      site: site ? siteSchema.parse(parseData(site.data)) : null,
      siteParts: parts.map((p) => partSchema.parse(parseData(p.data))),
      attachments: attachments.map((a) => attachmentMetaSchema.parse(parseData(a.data))),
      openConflicts: conflicts,
    };
  }
}
