import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import pino from 'pino';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { workOrderStatusSchema } from '../../src-shared/domain/work-order-status';
import { ClientCore } from '../core/session/client-core';
import { KeytarSecretStore } from '../core/secrets/keytar-secret-store';
import type { SyncResult } from '../../src-shared/sync/sync-cycle';
import { unreadNotices } from '../core/notices/notices';
import { keyringForHeadlessLinux } from './private-keyring';

const usage = `Fieldline headless client — for IT diagnostics, load and fault tests

  npm run cli -- --profile DIR [--server URL] [--json] <command> [options]

  login --user U [--password P]      sign in (password also from FIELDLINE_PASSWORD)
  sync [--repeat N] [--batch OPS]    push and pull now (N cycles; at most OPS ops per request), then
                                     wait for attachment uploads to finish; exits 3 if any change
                                     was refused or is failed (kept on this device, listed)
  notices                            what happened that you should know: work handed over, decisions
  attach <workOrderId> <FILE> [--document] [--note TEXT]
                                     attach a photo (default) or a document to a work order
  uploads                            attachment files waiting to upload, with progress
  status                             sync state, queue, conflicts, last sync
  list [--search TEXT]               work orders on this device
  queue                              queued changes with state, attempts, last error
  retry <opId|all>                   send a failed or refused change again, as it is now
  discard <opId>                     throw a queued change away
  conflicts [--all]                  open conflicts (or all, with history)
  resolve <conflictId> --choice local|server
  edit <workOrderId> [--status S] [--measure NAME=VALUE[UNIT]] [--labor MINUTES] [--note TEXT]
  clear-cache                        drop downloaded data (unsynced changes stay) and sync it all again
  logout [--force]                   sign out and wipe this user's data from the device

  --keychain-service NAME            keychain service name (default Fieldline)
  --keyring-dir DIR                  where the private keyring lives on a Linux machine without a
                                     desktop keychain (default: beside the profile, as npm start)

  Exit codes: 0 done; 1 failed (the message says why); 2 usage; 3 synced, but changes wait for
  you: refused by the server or failed (see queue).`;

/** `sync` reached the server, but some changes wait for a person (refused or failed). */
const exitChangesWaiting = 3;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      profile: { type: 'string' },
      server: { type: 'string' },
      json: { type: 'boolean', default: false },
      user: { type: 'string' },
      password: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      batch: { type: 'string' },
      search: { type: 'string' },
      all: { type: 'boolean', default: false },
      choice: { type: 'string' },
      status: { type: 'string' },
      measure: { type: 'string' },
      labor: { type: 'string' },
      note: { type: 'string' },
      force: { type: 'boolean', default: false },
      document: { type: 'boolean', default: false },
      'keychain-service': { type: 'string', default: 'Fieldline' },
      'keyring-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command ? 0 : 2;
  }
  if (!values.profile) throw new FieldlineError('VALIDATION_ERROR', '--profile DIR is required');
  // The same private keyring as `npm start` on a machine without one (its keys in <profile>/../keyring).
  const keyring = keyringForHeadlessLinux(resolve(values['keyring-dir'] ?? join(resolve(values.profile), '..', 'keyring')));
  process.on('exit', () => keyring?.stop());
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn', name: 'fieldline-cli' }, pino.destination(2));
  const batch = values.batch ? Number(values.batch) : undefined;
  const core = new ClientCore({
    profileDir: resolve(values.profile),
    secrets: new KeytarSecretStore(values['keychain-service']),
    logger,
    ...(batch ? { sync: { maxOpsPerBatch: batch } } : {}),
  });
  const print = (data: unknown, text: () => string) => console.log(values.json ? JSON.stringify(data, null, 2) : text());
  try {
    if (command === 'login') {
      const server = values.server ?? core.settings.get().serverUrl;
      const password = values.password ?? process.env.FIELDLINE_PASSWORD;
      if (!server || !values.user || !password) throw new FieldlineError('VALIDATION_ERROR', 'login needs --server, --user and a password');
      const session = await core.signIn(server, values.user, password);
      print(session.info, () => `Signed in as ${session.info.displayName} (${session.info.role}) on ${server}`);
      return 0;
    }
    const session = await core.resume();
    if (!session) throw new FieldlineError('AUTH_ERROR', 'Not signed in on this profile: run login first');
    switch (command) {
      case 'sync': {
        let last: SyncResult | undefined;
        for (let i = 0; i < Math.max(1, Number(values.repeat)); i++) last = await session.engine.sync('manual');
        await session.engine.uploadsIdle();
        if (!last?.ok) {
          print(last, () => `Sync failed: ${last?.error?.message} (${last?.error?.code})`);
          return 1;
        }
        const waiting = (await session.outbox.list()).filter((op) => op.state === 'failed' || op.state === 'refused');
        const notices = await unreadNotices(session.store.db);
        print({ ...last, waiting, notices }, () =>
          [
            `Synced: pushed ${last?.pushed ?? 0}, pulled ${last?.pulled ?? 0}${last?.refused ? `, ${last.refused} refused by the server` : ''}`,
            ...waiting.map((op) => `  ${op.state === 'refused' ? 'Refused' : 'Failed'}: ${op.record} — ${op.summary}: ${op.lastError?.message ?? ''}`),
            ...notices.map((n) => `  Notice: ${n.message}`),
          ].join('\n'),
        );
        return waiting.length > 0 || (last?.refused ?? 0) > 0 ? exitChangesWaiting : 0;
      }
      case 'notices': {
        const notices = await unreadNotices(session.store.db);
        print(notices, () => notices.map((n) => `${n.createdAt}  ${n.message}`).join('\n') || 'No notices');
        return 0;
      }
      case 'attach': {
        const file = positionals[2];
        if (!arg || !file) throw new FieldlineError('VALIDATION_ERROR', 'attach needs a work order id and a file');
        const meta = await session.attachments.add({
          workOrderId: arg,
          kind: values.document ? 'document' : 'photo',
          fileName: basename(file),
          contentBase64: (await readFile(file)).toString('base64'),
          description: values.note ?? '',
        });
        print(meta, () => `Attached ${meta.fileName} (${meta.size} bytes) as ${meta.id}; it uploads with the next sync`);
        return 0;
      }
      case 'clear-cache': {
        const cleared = await session.engine.clearCache();
        const after = await session.engine.sync('manual');
        print({ ...cleared, sync: after }, () => `Cleared ${cleared.removed} record(s), kept ${cleared.kept} with unsynced changes; ${after.ok ? `downloaded ${after.pulled} again` : `the new download failed: ${after.error?.message}`}`);
        return after.ok ? 0 : 1;
      }
      case 'uploads': {
        const uploads = await session.attachmentFiles.uploads();
        print(uploads, () => uploads.map((u) => `${u.attachmentId}  ${u.state.padEnd(9)} ${String(u.uploadedBytes).padStart(9)}/${u.size} ${u.fileName}${u.hold ? ` (${u.hold})` : ''}`).join('\n') || 'No uploads waiting');
        return 0;
      }
      case 'status': {
        const status = await session.engine.refreshCounts();
        print(status, () => `${status.state}; ${status.queued} queued, ${status.failed} failed, ${status.conflicts} conflicts; last sync ${status.lastSyncAt ?? 'never'}`);
        return 0;
      }
      case 'list': {
        const { items, total } = await session.queries.list({ ...(values.search ? { search: values.search } : {}), limit: 500 });
        print({ items, total }, () => items.map((w) => `${w.id}  ${(w.number ?? '(new)').padEnd(10)} ${w.status.padEnd(12)} ${w.syncState.padEnd(8)} ${w.title}`).join('\n'));
        return 0;
      }
      case 'queue': {
        const ops = await session.outbox.list();
        print(ops, () => ops.map((o) => `${o.opId}  p${o.priority} ${o.state.padEnd(9)} ${o.record.padEnd(10)} ${o.summary}${o.lastError ? ` — ${o.lastError.message}` : ''}`).join('\n') || 'Nothing queued');
        return 0;
      }
      case 'retry': {
        if (arg === 'all') print({ retried: await session.outbox.retryAllFailed() }, () => 'Retrying all failed changes');
        else if (arg) await session.outbox.retry(arg);
        return 0;
      }
      case 'discard':
        if (!arg) throw new FieldlineError('VALIDATION_ERROR', 'discard needs an op id');
        await session.outbox.discard(arg);
        return 0;
      case 'conflicts': {
        const list = await session.conflicts.list(values.all ? undefined : 'open');
        print(list, () => list.map((c) => `${c.id}  ${c.kind.padEnd(14)} ${c.status.padEnd(13)} ${c.fields.map((f) => f.field).join(', ')}`).join('\n') || 'No conflicts');
        return 0;
      }
      case 'resolve': {
        if (!arg || (values.choice !== 'local' && values.choice !== 'server')) throw new FieldlineError('VALIDATION_ERROR', 'resolve needs a conflict id and --choice local|server');
        await session.conflicts.resolve(arg, { choice: values.choice });
        return 0;
      }
      case 'edit': {
        if (!arg) throw new FieldlineError('VALIDATION_ERROR', 'edit needs a work order id');
        if (values.status) await session.workOrders.changeStatus({ workOrderId: arg, status: workOrderStatusSchema.parse(values.status) });
        if (values.measure) {
          const match = /^([^=]+)=(-?[\d.]+)(.*)$/.exec(values.measure);
          if (!match) throw new FieldlineError('VALIDATION_ERROR', '--measure takes NAME=VALUE[UNIT], e.g. "Current L1=12.5A"');
          await session.workOrders.recordMeasurement({ workOrderId: arg, name: match[1] ?? '', value: Number(match[2]), unit: (match[3] ?? '').trim() });
        }
        if (values.labor) {
          const minutes = Number(values.labor);
          const end = new Date();
          await session.workOrders.addLabor({ workOrderId: arg, start: new Date(end.getTime() - minutes * 60_000).toISOString(), end: end.toISOString(), minutes, note: '' });
        }
        if (values.note !== undefined) await session.workOrders.editNotes({ workOrderId: arg, completionNotes: values.note });
        return 0;
      }
      case 'logout': {
        const result = await core.signOut({ force: values.force });
        print(result, () => `Signed out; local data wiped${result.discardedChanges ? ` (${result.discardedChanges} unsynced changes discarded)` : ''}`);
        return 0;
      }
      default:
        throw new FieldlineError('VALIDATION_ERROR', `Unknown command "${command}"; see --help`);
    }
  } finally {
    await core.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const envelope = error instanceof FieldlineError ? error.toEnvelope() : { code: 'SERVER_ERROR', message: error instanceof Error ? error.message : String(error) };
    console.error(process.argv.includes('--json') ? JSON.stringify(envelope) : `fieldline: ${envelope.code}: ${envelope.message}`);
    process.exit(1);
  },
);
