import { z } from 'zod';
import { text } from '../domain/text';
import { assetStatusSchema, workOrderPrioritySchema, workOrderTypeSchema } from '../domain/entities';
import { isoDateTimeSchema, recordIdSchema } from '../domain/ids';
import { userRoleSchema } from '../domain/work-order-status';

/**
 * The admin API, CSV import and the integration API (docs/administration.md). Sites, assets, parts,
 * users and work orders arrive as rows keyed by the company's own id (externalId) and refer to each
 * other by the keys people use: a site's code, an asset's tag, a user's username. A CSV row and an
 * integration request body are the same row, so one schema checks both.
 */

const optionalText = (max: number) => text().trim().max(max).optional();
/** A CSV cell is text: numbers arrive as strings there and as numbers in JSON. */
const quantity = z.coerce.number().finite().min(-1_000_000_000).max(1_000_000_000);
/** A list in one cell (sites of a user, tasks of a work order), separated by semicolons. */
const listCell = (item: z.ZodString) =>
  z.union([
    z.array(item),
    text().transform((cell) =>
      cell
        .split(';')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    ),
  ]);

export const externalIdSchema = text().trim().min(1).max(128);

export const siteRowSchema = z.strictObject({
  externalId: externalIdSchema,
  code: text().trim().min(1).max(32),
  name: text().trim().min(1).max(200),
  address: optionalText(200),
  timezone: optionalText(64),
});

export const userRowSchema = z.strictObject({
  externalId: externalIdSchema,
  username: text().trim().min(1).max(64),
  displayName: text().trim().min(1).max(200),
  role: userRoleSchema,
  /** Site codes. */
  sites: listCell(text().min(1).max(32)),
  /** Only for a new user; without one a password is made and reported once. An existing user's is never changed by an import. */
  password: text().min(10).max(1024).optional(),
});

export const assetRowSchema = z.strictObject({
  externalId: externalIdSchema,
  site: text().trim().min(1).max(32),
  tag: text().trim().min(1).max(64),
  name: text().trim().min(1).max(200),
  type: optionalText(200),
  category: optionalText(200),
  manufacturer: optionalText(200),
  model: optionalText(200),
  serialNumber: optionalText(64),
  status: assetStatusSchema.optional(),
  building: optionalText(200),
  floor: optionalText(200),
  room: optionalText(200),
});

export const partRowSchema = z.strictObject({
  externalId: externalIdSchema,
  site: text().trim().min(1).max(32),
  partNumber: text().trim().min(1).max(64),
  description: optionalText(200),
  unit: optionalText(16),
  /** Stock on hand at the site: a count taken, which replaces the server's figure. */
  quantity,
});

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value);

export const workOrderRowSchema = z.strictObject({
  externalId: externalIdSchema,
  site: text().trim().min(1).max(32),
  /** An asset's tag at that site. */
  asset: z.preprocess(emptyAsUndefined, text().trim().min(1).max(64).optional()),
  type: workOrderTypeSchema,
  title: text().trim().min(1).max(200),
  description: text().max(20_000).optional(),
  priority: z.preprocess(emptyAsUndefined, workOrderPrioritySchema.optional()),
  /** A technician's username; empty leaves it unassigned. */
  assignedTo: z.preprocess(emptyAsUndefined, text().trim().min(1).max(64).optional()),
  scheduledStart: z.preprocess(emptyAsUndefined, isoDateTimeSchema.optional()),
  scheduledEnd: z.preprocess(emptyAsUndefined, isoDateTimeSchema.optional()),
  /** Task titles, only on a new work order: a technician's progress on an existing one is never overwritten. */
  tasks: listCell(text().min(1).max(500)).optional(),
});

export const importRowSchemas = {
  site: siteRowSchema,
  user: userRowSchema,
  asset: assetRowSchema,
  part: partRowSchema,
  workOrder: workOrderRowSchema,
} as const;
export const importEntitySchema = z.enum(['site', 'user', 'asset', 'part', 'workOrder']);
export type ImportEntity = z.infer<typeof importEntitySchema>;
export type ImportRow<E extends ImportEntity> = z.infer<(typeof importRowSchemas)[E]>;

/** The plural in a route (`/api/v1/integration/work-orders/…`) and a CLI argument, for each entity. */
export const importEntityPaths: { readonly [E in ImportEntity]: string } = {
  site: 'sites',
  user: 'users',
  asset: 'assets',
  part: 'parts',
  workOrder: 'work-orders',
};

const entityOfPath = new Map(Object.entries(importEntityPaths).map(([entity, path]) => [path, importEntitySchema.parse(entity)]));
/** An entity as a route names it (`work-orders`). */
export const entityPathSchema = z.string().transform((path, ctx): ImportEntity => {
  const entity = entityOfPath.get(path);
  if (entity) return entity;
  ctx.addIssue({ code: 'custom', message: `expected one of ${[...entityOfPath.keys()].join(', ')}` });
  return z.NEVER;
});
export const dryRunQuerySchema = z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') });

export const rowOutcomeSchema = z.enum(['created', 'updated', 'unchanged', 'invalid']);
export type RowOutcome = z.infer<typeof rowOutcomeSchema>;

export const importRowResultSchema = z.object({
  /** The line of the CSV file the row starts on (1 is the header); the row's index for JSON. */
  line: z.number().int(),
  externalId: z.string().nullable(),
  outcome: rowOutcomeSchema,
  recordId: recordIdSchema.nullable(),
  problems: z.array(z.object({ field: z.string(), message: z.string() })),
  /** A password made for a new user without one: shown once, here. */
  password: z.string().optional(),
});
export type ImportRowResult = z.infer<typeof importRowResultSchema>;

export const importReportSchema = z.object({
  entity: importEntitySchema,
  dryRun: z.boolean(),
  rows: z.array(importRowResultSchema),
  counts: z.record(rowOutcomeSchema, z.number().int()),
});
export type ImportReport = z.infer<typeof importReportSchema>;

// ---- users and devices ---------------------------------------------------------------------------

export const newUserRequestSchema = z.strictObject({
  username: text().trim().min(1).max(64),
  displayName: text().trim().min(1).max(200),
  role: userRoleSchema,
  siteIds: z.array(recordIdSchema).max(100),
  password: text().min(10).max(1024),
});
export type NewUserRequest = z.infer<typeof newUserRequestSchema>;

export const userChangeRequestSchema = z.strictObject({
  displayName: text().trim().min(1).max(200).optional(),
  role: userRoleSchema.optional(),
  siteIds: z.array(recordIdSchema).max(100).optional(),
});
export type UserChangeRequest = z.infer<typeof userChangeRequestSchema>;

export const passwordResetRequestSchema = z.strictObject({ password: text().min(10).max(1024) });

export const adminUserSchema = z.object({
  id: recordIdSchema,
  username: z.string(),
  displayName: z.string(),
  role: userRoleSchema,
  siteIds: z.array(z.string()),
  disabled: z.boolean(),
  externalId: z.string().nullable(),
});
export type AdminUser = z.infer<typeof adminUserSchema>;

export const deviceNameSchema = text().trim().min(1).max(100);
export const deviceRenameRequestSchema = z.strictObject({ name: deviceNameSchema });

export const deviceSchema = z.object({
  deviceId: z.string(),
  name: z.string(),
  userId: z.string(),
  userName: z.string().nullable(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  revokedAt: z.string().nullable(),
  handedOverAt: z.string().nullable(),
});
export type DeviceSummary = z.infer<typeof deviceSchema>;

export const integrationTokenRequestSchema = z.strictObject({ name: text().trim().min(1).max(100) });
export const integrationTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export type IntegrationToken = z.infer<typeof integrationTokenSchema>;
