import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { EntityName } from '../../src-shared/domain/entity-registry';
import { assetStatusSchema, userSchema, workOrderSchema, type Asset, type Part, type Site, type User, type WorkOrder } from '../../src-shared/domain/entities';
import { newRecordId } from '../../src-shared/domain/ids';
import { jsonEqual } from '../../src-shared/domain/json';
import { naturalKeyOf } from '../../src-shared/domain/natural-keys';
import { workNotStarted } from '../../src-shared/domain/new-work-order';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import {
  assetRowSchema,
  importRowSchemas,
  partRowSchema,
  siteRowSchema,
  userRowSchema,
  workOrderRowSchema,
  type ImportEntity,
  type ImportReport,
  type ImportRowResult,
  type RowOutcome,
} from '../../src-shared/protocol/admin';
import { describeZodIssues } from '../../src-shared/protocol/errors';
import { isoAt } from '../../src-shared/sync/clock';
import { hashPassword } from '../auth/passwords';
import type { ServerDatabase } from '../db/schema';
import { stateFromRow, type RecordState } from '../sync/record-state';
import { audit, type Actor } from './audit-log';
import { writeRecords, type AdminDeps, type RecordWrite } from './record-writes';

/** A row as it arrived: a CSV line (its line number) or an integration request (its index). */
export interface RawRow {
  line: number;
  values: unknown;
}

type Problem = ImportRowResult['problems'][number];

/** A row turned into the record it asks for, or the reasons it cannot be. */
type Planned = { kind: 'write'; write: RecordWrite; current: RecordState | null; externalId: string; password?: string } | { kind: 'invalid'; externalId: string | null; problems: Problem[] };

/** Rows per transaction: an import of 50,000 assets never holds the write lock for long. */
const rowsPerTransaction = 1000;

/**
 * Sites, users, assets, parts and work orders from the company's own records, found again by its
 * ids (external_ids): a row whose record exists updates it, one that would change nothing is left
 * alone, so running the same import twice changes nothing. A row without a known external id whose
 * record exists under its natural key (a site's code, an asset's tag at its site, a username) takes
 * that record over instead of making a second one. A dry run reports what each row would do.
 *
 * What a technician enters is never overwritten by an import: a work order's tasks, parts, labor,
 * measurements and notes are set only when it is created; an existing user's password is never touched.
 */
export class RowImport {
  constructor(private readonly deps: AdminDeps) {}

  async run(entity: ImportEntity, rows: readonly RawRow[], options: { dryRun: boolean; actor: Actor }): Promise<ImportReport> {
    const results: ImportRowResult[] = [];
    for (let start = 0; start < rows.length; start += rowsPerTransaction) {
      results.push(...(await this.runChunk(entity, rows.slice(start, start + rowsPerTransaction), options)));
    }
    const counts: Record<RowOutcome, number> = { created: 0, updated: 0, unchanged: 0, invalid: 0 };
    for (const result of results) counts[result.outcome] += 1;
    return { entity, dryRun: options.dryRun, rows: results, counts };
  }

  private async runChunk(entity: ImportEntity, rows: readonly RawRow[], options: { dryRun: boolean; actor: Actor }): Promise<ImportRowResult[]> {
    const plans = await this.plan(entity, rows, options.actor);
    const writes = plans.flatMap((p) => (p.kind === 'write' ? [p] : []));
    const outcomeOf = (plan: Planned & { kind: 'write' }): RowOutcome =>
      plan.current === null || plan.current.deleted ? 'created' : jsonEqual(plan.current.data, plan.write.data) ? 'unchanged' : 'updated';
    if (!options.dryRun && writes.length > 0) {
      const passwords = new Map<string, string>();
      for (const plan of writes) if (plan.password !== undefined) passwords.set(plan.write.id, await hashPassword(plan.password));
      await writeRecords(
        this.deps,
        writes.map((p) => p.write),
        async (trx, outcomes, nowIso) => {
          await this.mapExternalIds(trx, entity, writes);
          for (const plan of writes) {
            const hash = passwords.get(plan.write.id);
            if (entity === 'user' && hash !== undefined) {
              const user = userSchema.parse(plan.write.data);
              await trx.insertInto('credentials').values({ user_id: user.id, username: user.username, password_hash: hash, disabled_at: null }).execute();
            }
          }
          const changed = outcomes.filter((o) => o !== 'unchanged').length;
          await audit(trx, nowIso, options.actor, `import.${entity}`, `${rows[0]?.line ?? 0}-${rows.at(-1)?.line ?? 0}`, { rows: rows.length, written: changed });
        },
        options.actor.kind === 'user' ? options.actor.userId : null,
      );
    }
    return plans.map((plan, i): ImportRowResult => {
      const line = rows[i]?.line ?? 0;
      if (plan.kind === 'invalid') return { line, externalId: plan.externalId, outcome: 'invalid', recordId: null, problems: plan.problems };
      const result: ImportRowResult = { line, externalId: plan.externalId, outcome: outcomeOf(plan), recordId: plan.write.id, problems: [] };
      return plan.password !== undefined && plan.current === null ? { ...result, password: plan.password } : result;
    });
  }

  /** Each row checked against its schema and its references, then matched to the record it updates, if any. */
  private async plan(entity: ImportEntity, rows: readonly RawRow[], actor: Actor): Promise<Planned[]> {
    const lookups = new Lookups(this.deps, entity);
    const seenExternal = new Set<string>();
    const seenNatural = new Set<string>();
    const plans: Planned[] = [];
    for (const row of rows) {
      const externalId = externalIdOf(row.values);
      const parsed = importRowSchemas[entity].safeParse(row.values);
      if (!parsed.success) {
        plans.push({ kind: 'invalid', externalId, problems: describeZodIssues(parsed.error).map((issue) => ({ field: issue.path, message: issue.message })) });
        continue;
      }
      if (seenExternal.has(parsed.data.externalId)) {
        plans.push({ kind: 'invalid', externalId, problems: [{ field: 'externalId', message: `${parsed.data.externalId} is on an earlier row of this import too` }] });
        continue;
      }
      seenExternal.add(parsed.data.externalId);
      const planned = await this.planRow(entity, parsed.data.externalId, row.values, lookups, actor);
      if (planned.kind === 'write') {
        const key = naturalKeyOf(entity, planned.write.data);
        if (key !== null && seenNatural.has(key)) {
          plans.push({ kind: 'invalid', externalId, problems: [{ field: naturalField[entity], message: 'an earlier row of this import is the same record' }] });
          continue;
        }
        if (key !== null) seenNatural.add(key);
      }
      plans.push(planned);
    }
    return plans;
  }

  private async planRow(entity: ImportEntity, externalId: string, values: unknown, lookups: Lookups, actor: Actor): Promise<Planned> {
    const problems: Problem[] = [];
    const nowIso = isoAt(this.deps.clock);
    const siteOf = async (field: string, code: string) => {
      const site = await lookups.byNaturalKey('site', naturalKeyOf('site', { code }));
      if (!site) problems.push({ field, message: `no site with the code ${code}` });
      return site?.id ?? null;
    };
    const invalid = (): Planned => ({ kind: 'invalid', externalId, problems });
    const existing = async (naturalKey: string | null) => (await lookups.byExternalId(externalId)) ?? (await lookups.byNaturalKey(entity, naturalKey));
    // Checked by plan() already: parsed again here as the entity's own row type.

    switch (entity) {
      case 'site': {
        const r = siteRowSchema.parse(values);
        const current = await existing(naturalKeyOf('site', { code: r.code }));
        const id = current?.id ?? newRecordId();
        const data: Site = { id, code: r.code, name: r.name, address: r.address ?? str(current, 'address') ?? '', timezone: r.timezone ?? str(current, 'timezone') ?? 'UTC' };
        return { kind: 'write', write: { entity, id, data }, current, externalId: r.externalId };
      }
      case 'asset': {
        const r = assetRowSchema.parse(values);
        const siteId = await siteOf('site', r.site);
        if (!siteId) return invalid();
        const current = await existing(naturalKeyOf('asset', { siteId, tag: r.tag }));
        const id = current?.id ?? newRecordId();
        const before = current?.data ?? {};
        const location = typeof before.location === 'object' && before.location !== null && !Array.isArray(before.location) ? before.location : {};
        const text = (value: string | undefined, field: string, from: JsonRecord = before) => value ?? (typeof from[field] === 'string' ? from[field] : '');
        const data: Asset = {
          id,
          siteId,
          tag: r.tag,
          name: r.name,
          type: text(r.type, 'type'),
          category: text(r.category, 'category'),
          manufacturer: text(r.manufacturer, 'manufacturer'),
          model: text(r.model, 'model'),
          serialNumber: text(r.serialNumber, 'serialNumber'),
          // A technician sets an asset's status in the field; an import without one leaves it.
          status: r.status ?? assetStatusSchema.safeParse(before.status).data ?? 'operational',
          location: { building: text(r.building, 'building', location), floor: text(r.floor, 'floor', location), room: text(r.room, 'room', location) },
        };
        return { kind: 'write', write: { entity, id, data }, current, externalId: r.externalId };
      }
      case 'part': {
        const r = partRowSchema.parse(values);
        const siteId = await siteOf('site', r.site);
        if (!siteId) return invalid();
        const current = await existing(naturalKeyOf('part', { siteId, partNumber: r.partNumber }));
        const id = current?.id ?? newRecordId();
        const data: Part = {
          id,
          siteId,
          partNumber: r.partNumber,
          description: r.description ?? str(current, 'description') ?? '',
          unit: r.unit ?? str(current, 'unit') ?? 'pcs',
          quantityAvailable: r.quantity,
        };
        return { kind: 'write', write: { entity, id, data }, current, externalId: r.externalId };
      }
      case 'user': {
        const r = userRowSchema.parse(values);
        const siteIds: string[] = [];
        for (const code of r.sites) {
          const siteId = await siteOf('sites', code);
          if (siteId) siteIds.push(siteId);
        }
        if (problems.length > 0) return invalid();
        const current = await existing(naturalKeyOf('user', { username: r.username }));
        if (current && current.data.username !== r.username) {
          problems.push({ field: 'username', message: `this user signs in as ${typeof current.data.username === 'string' ? current.data.username : 'another username'}; an import does not rename accounts` });
          return invalid();
        }
        const id = current?.id ?? newRecordId();
        const data: User = { id, username: r.username, displayName: r.displayName, role: r.role, siteIds };
        const password = current ? undefined : (r.password ?? randomBytes(12).toString('base64url'));
        return { kind: 'write', write: { entity, id, data }, current, externalId: r.externalId, ...(password !== undefined ? { password } : {}) };
      }
      case 'workOrder': {
        const r = workOrderRowSchema.parse(values);
        const siteId = await siteOf('site', r.site);
        const asset = siteId && r.asset !== undefined ? await lookups.byNaturalKey('asset', naturalKeyOf('asset', { siteId, tag: r.asset })) : null;
        if (siteId && r.asset !== undefined && !asset) problems.push({ field: 'asset', message: `no asset tagged ${r.asset} at ${r.site}` });
        const assignee = r.assignedTo !== undefined ? await lookups.byNaturalKey('user', naturalKeyOf('user', { username: r.assignedTo })) : null;
        if (r.assignedTo !== undefined && !assignee) problems.push({ field: 'assignedTo', message: `no user ${r.assignedTo}` });
        if (!siteId || problems.length > 0) return invalid();
        const current = await lookups.byExternalId(r.externalId);
        const before = current && !current.deleted ? workOrderSchema.parse(current.data) : null;
        const assignedTo = assignee?.id ?? before?.assignedTo ?? null;
        const fields = {
          siteId,
          assetId: asset?.id ?? before?.assetId ?? null,
          type: r.type,
          title: r.title,
          description: r.description ?? before?.description ?? '',
          priority: r.priority ?? before?.priority ?? 'medium',
          assignedTo,
          scheduledStart: r.scheduledStart ?? before?.scheduledStart ?? null,
          scheduledEnd: r.scheduledEnd ?? before?.scheduledEnd ?? null,
        };
        if (before) {
          // Newly assigned from the planning system: it is now on the technician's list.
          const status = before.status === 'open' && assignedTo !== null ? 'assigned' : before.status;
          const data: WorkOrder = { ...before, ...fields, status };
          return { kind: 'write', write: { entity, id: before.id, data }, current, externalId: r.externalId };
        }
        const id = newRecordId();
        const data: WorkOrder = {
          id,
          number: null,
          ...fields,
          status: assignedTo !== null ? 'assigned' : 'open',
          createdBy: await lookups.importingUser(actor),
          createdAt: nowIso,
          updatedAt: nowIso,
          ...workNotStarted(r.tasks ?? []),
        };
        return { kind: 'write', write: { entity, id, data }, current: null, externalId: r.externalId };
      }
    }
  }

  private async mapExternalIds(trx: Transaction<ServerDatabase>, entity: ImportEntity, writes: readonly { write: RecordWrite; externalId: string }[]): Promise<void> {
    for (const { write, externalId } of writes) {
      await trx
        .insertInto('external_ids')
        .values({ entity, external_id: externalId, record_id: write.id })
        .onConflict((oc) => oc.columns(['entity', 'external_id']).doUpdateSet({ record_id: write.id }))
        .execute();
    }
  }
}

/** The field a row's natural key comes from, named in a duplicate's problem. */
const naturalField: { readonly [E in ImportEntity]: string } = { site: 'code', user: 'username', asset: 'tag', part: 'partNumber', workOrder: 'title' };

function externalIdOf(values: unknown): string | null {
  return typeof values === 'object' && values !== null && 'externalId' in values && typeof values.externalId === 'string' ? values.externalId : null;
}

function str(state: RecordState | null, field: string): string | null {
  const value = state?.data[field];
  return typeof value === 'string' ? value : null;
}

/** The records an import refers to, read once per transaction's worth of rows. */
class Lookups {
  private readonly external = new Map<string, RecordState | null>();
  private readonly natural = new Map<string, RecordState | null>();

  constructor(
    private readonly deps: AdminDeps,
    private readonly entity: ImportEntity,
  ) {}

  async byExternalId(externalId: string): Promise<RecordState | null> {
    if (!this.external.has(externalId)) {
      const row = await this.deps.db
        .selectFrom('external_ids')
        .innerJoin('records', (join) => join.onRef('records.id', '=', 'external_ids.record_id').onRef('records.entity', '=', 'external_ids.entity'))
        .selectAll('records')
        .where('external_ids.entity', '=', this.entity)
        .where('external_ids.external_id', '=', externalId)
        .executeTakeFirst();
      this.external.set(externalId, row ? stateFromRow(row, this.entity) : null);
    }
    return this.external.get(externalId) ?? null;
  }

  async byNaturalKey(entity: EntityName, naturalKey: string | null): Promise<RecordState | null> {
    if (naturalKey === null) return null;
    const key = `${entity}\u0000${naturalKey}`;
    if (!this.natural.has(key)) {
      const row = await this.deps.db.selectFrom('records').selectAll().where('entity', '=', entity).where('natural_key', '=', naturalKey).where('deleted', '=', 0).executeTakeFirst();
      this.natural.set(key, row ? stateFromRow(row, entity) : null);
    }
    return this.natural.get(key) ?? null;
  }

  /** Who a work order made by an import was created by: the admin who ran it, or the "Data import" user for the CLI and integrations. */
  async importingUser(actor: Actor): Promise<string> {
    if (actor.kind === 'user') return actor.userId;
    const existing = await this.byNaturalKey('user', naturalKeyOf('user', { username: importUsername }));
    if (existing) return existing.id;
    const id = newRecordId();
    const user: User = { id, username: importUsername, displayName: 'Data import', role: 'admin', siteIds: [] };
    // A user record without credentials: it names who made imported work orders and cannot sign in.
    await writeRecords(this.deps, [{ entity: 'user', id, data: user }]);
    this.natural.set(`user\u0000${naturalKeyOf('user', user) ?? ''}`, { entity: 'user', id, version: 1, data: user, deleted: false, createdAt: '', updatedAt: '' });
    return id;
  }
}

const importUsername = 'fieldline-import';
