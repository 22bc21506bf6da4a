import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { naturalKeyOf } from '../../src-shared/domain/natural-keys';
import { userRoleSchema } from '../../src-shared/domain/work-order-status';
import { entityPathSchema, importEntityPaths, type ImportReport } from '../../src-shared/protocol/admin';
import { FieldlineError, errorEnvelopeOf } from '../../src-shared/protocol/errors';
import { isoAt, systemClock } from '../../src-shared/sync/clock';
import { revokeSignIns, type SignInRevoker } from '../auth/tokens';
import { databaseTargetOf, openServerDatabase } from '../db/connect';
import type { ServerDb } from '../db/schema';
import { ChangeHub } from '../sync/change-hub';
import { ClusterNotifications } from '../sync/cluster-notifications';
import type { Actor } from './audit-log';
import { rowsOfCsv } from './csv-import';
import { listDevices, renameDevice, revokeDevice } from './devices';
import { RowImport } from './row-import';
import { UserAdministration } from './user-admin';
import { IntegrationTokens } from '../integration/integration-tokens';

const usage = `Fieldline administration, on the server's own database (the same DATABASE_URL or --data as the server)

  npm run admin -- <command> [options]

  users                                       list users (disabled ones marked)
  create-user --username U --name "N" --role technician|supervisor|admin --sites CODE,CODE [--password P]
                                              without --password one is made and printed once
  change-user <user> [--name "N"] [--role R] [--sites CODE,CODE]
  disable-user <user>                         no sign-in; every sign-in of the account ends now
  enable-user <user>
  reset-password <user> [--password P]        the account's sign-ins end; without --password one is made
  devices                                     laptops and phones that signed in, by name
  rename-device <device-id> "<name>"
  revoke-device <device-id>                   lost or stolen: it hands over its unsent work and wipes itself
  import <sites|users|assets|parts|work-orders> <file.csv> [--dry-run]
                                              idempotent by externalId; --dry-run writes nothing
  integration-tokens                          list integration tokens
  create-integration-token <name>             printed once: give it to the ERP / CMMS
  revoke-integration-token <id|name>
  audit [--limit N]                           who changed what through administration

  <user> is a username or a user id. --data DIR (FIELDLINE_DATA_DIR) or DATABASE_URL as for the server.
  --json prints JSON instead of text. Exit code 0: done; 1: refused (the message says why);
  2: an import had rows it could not take (the report lists them by line).`;

function print(json: boolean, value: unknown, text: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text());
}

function reportText(report: ImportReport): string {
  const lines = report.rows
    .filter((row) => row.outcome === 'invalid' || row.password !== undefined)
    .map((row) =>
      row.outcome === 'invalid'
        ? `  line ${row.line}${row.externalId ? ` (${row.externalId})` : ''}: ${row.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`
        : `  line ${row.line} (${row.externalId ?? ''}): new user, password ${row.password ?? ''} (shown once)`,
    );
  const { created, updated, unchanged, invalid } = report.counts;
  const head = `${report.dryRun ? 'Dry run (nothing written): would create' : 'Created'} ${created}, ${report.dryRun ? 'update' : 'updated'} ${updated}, unchanged ${unchanged}, invalid ${invalid}`;
  return [head, ...lines].join('\n');
}

async function siteIdsOf(db: ServerDb, codes: string | undefined): Promise<string[] | undefined> {
  if (codes === undefined) return undefined;
  const ids: string[] = [];
  for (const code of codes.split(',').map((c) => c.trim()).filter((c) => c.length > 0)) {
    const row = await db.selectFrom('records').select('id').where('entity', '=', 'site').where('deleted', '=', 0).where('natural_key', '=', naturalKeyOf('site', { code })).executeTakeFirst();
    if (!row) throw new FieldlineError('VALIDATION_ERROR', `No site with the code ${code}: import the sites first`);
    ids.push(row.id);
  }
  return ids;
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new FieldlineError('VALIDATION_ERROR', `${what} is needed (see --help)`);
  return value;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string', default: process.env.FIELDLINE_DATA_DIR ?? './.fieldline-data/server' },
      username: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      sites: { type: 'string' },
      password: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    console.log(usage);
    return 0;
  }
  const clock = systemClock;
  const database = await openServerDatabase(databaseTargetOf(process.env, values.data, 2));
  const { db, dialect } = database;
  const hub = new ChangeHub();
  // On PostgreSQL the running servers hear of these commits and tell their devices at once; on
  // SQLite the devices see them at their next sync.
  if (database.postgresUrl) hub.cluster = new ClusterNotifications({ url: database.postgresUrl, db, hub, instanceId: 'admin-cli', log: { info: () => undefined, warn: () => undefined } });
  const deps = { db, dialect, clock, hub };
  const signIns: SignInRevoker = {
    revokeSignIns: async (trxDb, of, reason) => {
      await revokeSignIns(trxDb, isoAt(clock), of, reason);
    },
  };
  const users = new UserAdministration(deps, signIns);
  const actor: Actor = { kind: 'cli', account: userInfo().username };
  const json = values.json;
  try {
    switch (command) {
      case 'users': {
        const list = await users.list();
        print(json, list, () => list.map((u) => `${u.username.padEnd(20)} ${u.role.padEnd(11)} ${u.disabled ? 'DISABLED ' : ''}${u.displayName}  (${u.id})`).join('\n'));
        return 0;
      }
      case 'create-user': {
        const password = values.password ?? randomBytes(12).toString('base64url');
        const user = await users.create(
          { username: required(values.username, '--username'), displayName: required(values.name, '--name'), role: userRoleSchema.parse(required(values.role, '--role')), siteIds: (await siteIdsOf(db, values.sites)) ?? [], password },
          actor,
        );
        print(json, { user, ...(values.password ? {} : { password }) }, () => `Created ${user.username} (${user.id})${values.password ? '' : `, password ${password} (shown once)`}`);
        return 0;
      }
      case 'change-user': {
        const userId = await users.resolve(required(args[0], 'the user'));
        const siteIds = await siteIdsOf(db, values.sites);
        const user = await users.change(userId, { ...(values.name ? { displayName: values.name } : {}), ...(values.role ? { role: userRoleSchema.parse(values.role) } : {}), ...(siteIds ? { siteIds } : {}) }, actor);
        print(json, user, () => `Changed ${user.username}: ${user.displayName}, ${user.role}, ${user.siteIds.length} site(s)`);
        return 0;
      }
      case 'disable-user':
      case 'enable-user': {
        const userId = await users.resolve(required(args[0], 'the user'));
        await users.setDisabled(userId, command === 'disable-user', actor);
        print(json, { userId, disabled: command === 'disable-user' }, () => `${command === 'disable-user' ? 'Disabled' : 'Enabled'} ${args[0] ?? ''}`);
        return 0;
      }
      case 'reset-password': {
        const userId = await users.resolve(required(args[0], 'the user'));
        const password = values.password ?? randomBytes(12).toString('base64url');
        await users.resetPassword(userId, password, actor);
        print(json, { userId, ...(values.password ? {} : { password }) }, () => `New password set${values.password ? '' : `: ${password} (shown once)`}; the account's sign-ins ended`);
        return 0;
      }
      case 'devices': {
        const devices = await listDevices(db);
        print(json, devices, () => devices.map((d) => `${d.deviceId}  ${d.name.padEnd(24)} ${(d.userName ?? d.userId).padEnd(16)} last seen ${d.lastSeenAt}${d.revokedAt ? `  REVOKED ${d.revokedAt}` : ''}`).join('\n'));
        return 0;
      }
      case 'rename-device': {
        const device = await renameDevice(db, required(args[0], 'the device id'), required(args[1], 'the new name'), actor, isoAt(clock));
        print(json, device, () => `Renamed ${device.deviceId} to ${device.name}`);
        return 0;
      }
      case 'revoke-device': {
        const device = await revokeDevice(db, signIns, required(args[0], 'the device id'), actor, isoAt(clock));
        print(json, device, () => `Revoked ${device.name} (${device.deviceId}): its sign-ins ended; if it connects again it hands over its unsent work and wipes itself`);
        return 0;
      }
      case 'import': {
        const entity = entityPathSchema.parse(required(args[0], `what to import (${Object.values(importEntityPaths).join(', ')})`));
        const csv = await readFile(required(args[1], 'the CSV file'), 'utf8');
        const report = await new RowImport(deps).run(entity, rowsOfCsv(entity, csv), { dryRun: values['dry-run'], actor });
        print(json, report, () => reportText(report));
        return report.counts.invalid > 0 ? 2 : 0;
      }
      case 'integration-tokens': {
        const tokens = await new IntegrationTokens(db, clock).list();
        print(json, tokens, () => tokens.map((t) => `${t.id}  ${t.name.padEnd(24)} created ${t.createdAt}${t.revokedAt ? `  REVOKED ${t.revokedAt}` : ''}${t.lastUsedAt ? `  last used ${t.lastUsedAt}` : ''}`).join('\n'));
        return 0;
      }
      case 'create-integration-token': {
        const made = await new IntegrationTokens(db, clock).create(required(args[0], 'a name for the token'), actor);
        print(json, made, () => `Integration token "${made.summary.name}" (${made.summary.id}), shown once:\n${made.token}`);
        return 0;
      }
      case 'revoke-integration-token': {
        const token = await new IntegrationTokens(db, clock).revoke(required(args[0], 'the token id or name'), actor);
        print(json, token, () => `Revoked the integration token "${token.name}"`);
        return 0;
      }
      case 'audit': {
        const entries = await db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(Number(values.limit)).execute();
        print(json, entries, () => entries.map((e) => `${e.at}  ${e.actor.padEnd(24)} ${e.action.padEnd(26)} ${e.target}  ${e.details}`).join('\n'));
        return 0;
      }
      default:
        throw new FieldlineError('VALIDATION_ERROR', `Unknown command "${command}" (see --help)`);
    }
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const envelope = errorEnvelopeOf(error, 'VALIDATION_ERROR');
    console.error(`fieldline-admin: ${envelope.message}`);
    process.exit(1);
  },
);
