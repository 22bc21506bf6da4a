import { Database, Model, appSchema, tableSchema } from '@nozbe/watermelondb';
import * as LokiModule from '@nozbe/watermelondb/adapters/lokijs';
import { synchronize, type SyncPullResult } from '@nozbe/watermelondb/sync';
import { watermelonSchemaTables } from '../../src-shared/watermelon/tables';

/** The package's CommonJS default export, however the loader hands it over. */
const LokiJSAdapter = LokiModule.default;

/**
 * A phone running a WatermelonDB app against Fieldline, in Node: the real @nozbe/watermelondb with
 * its LokiJS adapter (in memory), its own synchronize(), and the schema docs/mobile.md gives.
 */
export interface Phone {
  database: Database;
  /** Pulls then pushes, as the app's sync button would. */
  sync(): Promise<void>;
  /** The last push's answer as the server sent it. */
  lastPushAnswer: unknown;
}

let count = 0;

export function startPhone(url: string, token: () => string, deviceId: string): Phone {
  const tables = watermelonSchemaTables();
  const schema = appSchema({ version: 1, tables: tables.map((t) => tableSchema({ name: t.name, columns: t.columns })) });
  const modelClasses = tables.map(
    (t) =>
      class extends Model {
        static override table = t.name;
      },
  );
  const adapter = new LokiJSAdapter({ schema, useWebWorker: false, useIncrementalIndexedDB: false, dbName: `phone-${process.pid}-${count++}` });
  const database = new Database({ adapter, modelClasses });
  const phone: Phone = {
    database,
    lastPushAnswer: null,
    async sync() {
      await synchronize({
        database,
        pullChanges: async ({ lastPulledAt, schemaVersion }) => {
          const response = await fetch(`${url}/api/v1/watermelon/sync?last_pulled_at=${lastPulledAt ?? 'null'}&schema_version=${schemaVersion}&device_id=${deviceId}`, {
            headers: { authorization: `Bearer ${token()}` },
          });
          if (!response.ok) throw new Error(`pull: ${response.status} ${await response.text()}`);
          const pulled: unknown = await response.json();
          if (!isPullResult(pulled)) throw new Error(`pull: not WatermelonDB's shape: ${JSON.stringify(pulled).slice(0, 200)}`);
          return pulled;
        },
        pushChanges: async ({ changes, lastPulledAt }) => {
          const response = await fetch(`${url}/api/v1/watermelon/sync?last_pulled_at=${lastPulledAt}&device_id=${deviceId}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
            body: JSON.stringify(changes),
          });
          if (!response.ok) throw new Error(`push: ${response.status} ${await response.text()}`);
          phone.lastPushAnswer = await response.json();
        },
        sendCreatedAsUpdated: false,
      });
    },
  };
  return phone;
}

/** The shape WatermelonDB's synchronize() takes from pullChanges: changes by table, and a timestamp. */
function isPullResult(value: unknown): value is SyncPullResult {
  if (typeof value !== 'object' || value === null || !('timestamp' in value) || !('changes' in value)) return false;
  const { changes, timestamp } = value;
  if (typeof timestamp !== 'number' || typeof changes !== 'object' || changes === null) return false;
  return Object.values(changes).every((c: unknown) => typeof c === 'object' && c !== null && 'created' in c && 'updated' in c && 'deleted' in c && Array.isArray(c.created) && Array.isArray(c.updated) && Array.isArray(c.deleted));
}
