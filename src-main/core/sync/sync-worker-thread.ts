/**
 * Entry of the sync worker thread (see SyncWorkerHost): its own connection to the encrypted
 * store, its own SyncEngine, and the keychain reached through the main thread, which owns it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { resolveConflictRequestSchema } from '../../../src-shared/protocol/conflicts';
import { errorEnvelopeOf, FieldlineError } from '../../../src-shared/protocol/errors';
import { systemClock } from '../../../src-shared/sync/clock';
import type { SecretStore } from '../secrets/secret-store';
import { SettingsStore } from '../settings/settings-store';
import { openEncryptedStore } from '../store/open-store';
import { AuthSession } from '../auth/auth-session';
import { buildSyncEngine } from './build-sync-engine';
import { yieldCpuToInteractiveWork } from './background-priority';
import type { SyncEngine } from './sync-engine';
import { SyncApi } from './sync-api';
import { isSyncWorkerInit, type FromWorker, type SyncWorkerCall, type SyncWorkerInit, type ToWorker } from './sync-worker-protocol';

function workerPort(): NonNullable<typeof parentPort> {
  if (!parentPort) throw new Error('sync-worker-thread runs only as a worker thread');
  return parentPort;
}
const port = workerPort();
const data: unknown = workerData;
if (!isSyncWorkerInit(data)) throw new Error('sync-worker-thread was started without its settings');
const init: SyncWorkerInit = data;
const send = (message: FromWorker) => port.postMessage(message);

let nextSecretId = 0;
const pendingSecrets = new Map<number, { resolve: (value: string | boolean | null) => void; reject: (error: Error) => void }>();
const secretRequest = (message: { op: 'get' | 'delete'; account: string } | { op: 'set'; account: string; secret: string }) =>
  new Promise<string | boolean | null>((resolve, reject) => {
    const id = nextSecretId++;
    pendingSecrets.set(id, { resolve, reject });
    send({ type: 'secret', id, ...message });
  });

/** The keychain, asked of the main thread: one owner, whichever binding it uses. */
const secrets: SecretStore = {
  get: async (account) => {
    const value = await secretRequest({ op: 'get', account });
    return typeof value === 'string' ? value : null;
  },
  set: async (account, secret) => {
    await secretRequest({ op: 'set', account, secret });
  },
  delete: async (account) => (await secretRequest({ op: 'delete', account })) === true,
};

async function run(engine: SyncEngine, call: SyncWorkerCall): Promise<unknown> {
  switch (call.method) {
    case 'start':
      engine.start();
      return null;
    case 'stop':
      await engine.stop();
      return null;
    case 'sync':
      return engine.sync(call.trigger);
    case 'refreshCounts':
      return engine.refreshCounts();
    case 'localChange':
      engine.onLocalChange(call.priority);
      return null;
    case 'signedInAgain':
      engine.signedInAgain();
      return null;
    case 'serverConflicts':
      return engine.serverConflicts(call.query);
    case 'recordHistory':
      return engine.recordHistory(call.entity, call.id);
    case 'resolveServerConflict':
      return engine.resolveServerConflict(call.id, resolveConflictRequestSchema.parse(call.decision));
    case 'fetchAttachment':
      await engine.fetchAttachment(call.attachmentId, call.variant);
      return null;
    case 'uploadsIdle':
      await engine.uploadsIdle();
      return null;
    case 'clearCache':
      return engine.clearCache();
  }
}

async function main() {
  const logger = pino({ level: init.logLevel, name: 'fieldline-sync-worker' });
  yieldCpuToInteractiveWork();
  const store = await openEncryptedStore(init.databaseFile, init.databaseKey);
  const api = new SyncApi(init.serverUrl);
  const auth = new AuthSession(api, secrets, init.refreshTokenAccount);
  auth.useAccessToken(init.accessToken);
  const engine = buildSyncEngine({ store, api, auth, settings: new SettingsStore(init.profileDir, undefined, init.policy), clock: systemClock, logger, sync: init.sync, attachmentsDir: init.attachmentsDir });
  engine.onStatus((status) => send({ type: 'status', status }));
  port.on('message', (message: ToWorker) => {
    if (message.type === 'secret-reply') {
      const pending = pendingSecrets.get(message.id);
      pendingSecrets.delete(message.id);
      if (message.ok) pending?.resolve(message.value);
      else pending?.reject(new FieldlineError('STORE_LOCKED', message.message));
      return;
    }
    run(engine, message.call).then(
      (value) => {
        send({ type: 'reply', id: message.id, ok: true, value });
        if (message.call.method === 'stop') void store.close().then(() => port.close());
      },
      (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: errorEnvelopeOf(error) }),
    );
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => send({ type: 'init-failed', error: errorEnvelopeOf(error, 'STORE_LOCKED') }));
