import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { User } from '../../src-shared/domain/entities';
import type { EntityName } from '../../src-shared/domain/entity-registry';
import { technicianActiveStatuses } from '../../src-shared/domain/work-order-status';

/** Who asks, and how far their device narrowed its scope (the sites / work orders kept offline). */
export interface Principal {
  user: User;
}
export interface Narrowing {
  sites?: readonly string[] | undefined;
  workOrders?: readonly string[] | undefined;
}

const technicianCreatedWindowMs = 30 * 24 * 3600 * 1000;

export function createdSince(nowMs: number): string {
  return new Date(nowMs - technicianCreatedWindowMs).toISOString();
}

// ---- which change-log rows may concern a user (at the time of the change) ----------------------

type ChangeColumn = 'site_id' | 'prev_site_id' | 'assigned_to' | 'prev_assigned_to' | 'created_by' | 'record_id';
interface RelevanceRule {
  entities: readonly EntityName[];
  anyOf: readonly { column: ChangeColumn; values: readonly string[] }[];
}

/**
 * One definition of "this change may concern this user", compiled to SQL for pull and evaluated in
 * memory for the WebSocket notifications. A matching row is then decided on the record's current
 * state: upsert if in scope now, remove otherwise.
 */
export function relevanceRules({ user }: Principal): RelevanceRule[] {
  const me = [user.id];
  const sites = user.siteIds;
  if (user.role === 'technician') {
    return [
      {
        entities: ['workOrder', 'attachment'],
        anyOf: [
          { column: 'assigned_to', values: me },
          { column: 'prev_assigned_to', values: me },
          { column: 'created_by', values: me },
        ],
      },
      { entities: ['asset', 'part'], anyOf: [{ column: 'site_id', values: sites }] },
      { entities: ['site'], anyOf: [{ column: 'record_id', values: sites }] },
      { entities: ['user'], anyOf: [{ column: 'record_id', values: me }] },
    ];
  }
  return [
    {
      entities: ['workOrder', 'attachment', 'asset', 'part'],
      anyOf: [
        { column: 'site_id', values: sites },
        { column: 'prev_site_id', values: sites },
      ],
    },
    { entities: ['site'], anyOf: [{ column: 'record_id', values: sites }] },
    {
      entities: ['user'],
      anyOf: [
        { column: 'record_id', values: me },
        { column: 'site_id', values: sites },
      ],
    },
  ];
}

function inList(ref: RawBuilder<unknown>, values: readonly string[]): RawBuilder<SqlBool> {
  return values.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`${ref} in (${sql.join([...values])})`;
}
function anyOf(parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return parts.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}
function allOf(parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  return parts.length === 0 ? sql<SqlBool>`1 = 1` : sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

export function changeRelevanceSql(rules: readonly RelevanceRule[], alias: string): RawBuilder<SqlBool> {
  return anyOf(
    rules.map((rule) =>
      allOf([
        inList(sql.ref(`${alias}.entity`), rule.entities),
        anyOf(rule.anyOf.map((c) => inList(sql.ref(`${alias}.${c.column}`), c.values))),
      ]),
    ),
  );
}

export type ChangeScope = { entity: string } & { [C in ChangeColumn]: string | null };

export function changeConcerns(rules: readonly RelevanceRule[], change: ChangeScope): boolean {
  return rules.some(
    (rule) =>
      rule.entities.some((e) => e === change.entity) &&
      rule.anyOf.some((c) => {
        const value = change[c.column];
        return value !== null && c.values.includes(value);
      }),
  );
}

// ---- whether a record is in a user's scope now ---------------------------------------------

/** The sites a device keeps offline: the user's, narrowed to the ones it ticked if it ticked any. */
function effectiveSites(user: User, narrowing: Narrowing): readonly string[] {
  return narrowing.sites && narrowing.sites.length > 0 ? user.siteIds.filter((s) => narrowing.sites?.includes(s)) : user.siteIds;
}

/**
 * What a device keeps offline (docs/keeping-work-safe.md): its user's scope at the sites it ticked, plus the work
 * orders it pinned. Pins add to the ticked sites; they never take anything away, so pins alone
 * (no site ticked) leave the whole scope on the device.
 */
function workOrderInScopeSql(p: Principal, narrowing: Narrowing, alias: string, nowMs: number): RawBuilder<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const parts: RawBuilder<SqlBool>[] = [inList(col('site_id'), p.user.siteIds)];
  if (p.user.role === 'technician') {
    parts.push(
      anyOf([
        allOf([sql<SqlBool>`${col('assigned_to')} = ${p.user.id}`, inList(col('status'), technicianActiveStatuses)]),
        allOf([sql<SqlBool>`${col('created_by')} = ${p.user.id}`, sql<SqlBool>`${col('created_at')} >= ${createdSince(nowMs)}`]),
      ]),
    );
  }
  if (narrowing.sites && narrowing.sites.length > 0) {
    parts.push(anyOf([inList(col('site_id'), effectiveSites(p.user, narrowing)), inList(col('id'), narrowing.workOrders ?? [])]));
  }
  return allOf(parts);
}

/**
 * The scope rules (docs/architecture.md): a technician gets the work orders assigned to them (active ones, plus those they
 * created in the last 30 days), the assets those reference, the attachments of those work orders,
 * the parts stock and the sites they work at, and their own profile. A supervisor gets their sites.
 */
export function inScopeNowSql(p: Principal, narrowing: Narrowing, alias: string, nowMs: number): RawBuilder<SqlBool> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const sites = effectiveSites(p.user, narrowing);
  const entityIs = (e: EntityName) => sql<SqlBool>`${col('entity')} = ${e}`;
  const referencingWorkOrder = (column: 'asset_id' | 'id', target: string) =>
    sql<SqlBool>`exists (select 1 from records w where w.entity = 'workOrder' and w.deleted = 0 and ${sql.ref(`w.${column}`)} = ${col(target)} and ${workOrderInScopeSql(p, narrowing, 'w', nowMs)})`;
  const technician = p.user.role === 'technician';
  // The sites of pinned work orders outside the ticked sites: their parts stock and the site come along.
  const pinnedSites = (column: 'site_id' | 'id') =>
    narrowing.workOrders && narrowing.workOrders.length > 0
      ? sql<SqlBool>`exists (select 1 from records pw where pw.entity = 'workOrder' and pw.deleted = 0 and pw.site_id = ${col(column)} and ${inList(sql.ref('pw.id'), narrowing.workOrders)} and ${workOrderInScopeSql(p, narrowing, 'pw', nowMs)})`
      : sql<SqlBool>`1 = 0`;
  return anyOf([
    allOf([entityIs('workOrder'), workOrderInScopeSql(p, narrowing, alias, nowMs)]),
    allOf([entityIs('asset'), technician ? referencingWorkOrder('asset_id', 'id') : anyOf([inList(col('site_id'), sites), referencingWorkOrder('asset_id', 'id')])]),
    allOf([entityIs('attachment'), referencingWorkOrder('id', 'work_order_id')]),
    allOf([entityIs('part'), anyOf([inList(col('site_id'), sites), pinnedSites('site_id')])]),
    allOf([entityIs('site'), anyOf([inList(col('id'), sites), pinnedSites('id')])]),
    allOf([
      entityIs('user'),
      technician
        ? sql<SqlBool>`${col('id')} = ${p.user.id}`
        : anyOf([sql<SqlBool>`${col('id')} = ${p.user.id}`, inList(col('site_id'), sites)]),
    ]),
  ]);
}
