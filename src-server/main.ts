import { parseArgs } from 'node:util';
import { resolve, join } from 'node:path';
import pino from 'pino';
import { systemClock } from '../src-shared/sync/clock';
import { databaseTargetOf, openServerDatabase } from './db/connect';
import { createSyncServer } from './app';
import { demoPassword, seedDemo } from './demo/seed-demo';

const usage = `Fieldline reference sync server

  npm run server -- [--port 8787] [--host 127.0.0.1] [--data DIR] [--retention-days 30] [--demo] [--demo-work-orders N]

  Every option can also come from the environment (a flag wins over its variable):
  --port P            FIELDLINE_PORT         where to listen (default 8787)
  --host H            FIELDLINE_HOST         the address to listen on (default 127.0.0.1)
  --data DIR          FIELDLINE_DATA_DIR     the SQLite database and the attachment files (default ./.fieldline-data/server)
  --attachments DIR   FIELDLINE_ATTACHMENTS_DIR  the attachment files (default DIR/attachments of --data); every
                      instance of a fleet names the same shared volume
  --retention-days N  FIELDLINE_RETENTION_DAYS  days of change log, tombstones and op results kept, pruned at
                      start and daily (default 30, from 8; 0 keeps everything)
  --pool-size N       FIELDLINE_DB_POOL_SIZE PostgreSQL connections of this instance (default 20)
  --trust-proxy X     FIELDLINE_TRUST_PROXY  the proxies in front whose X-Forwarded-* headers count: true, a
                      hop count, or addresses/CIDRs (comma separated); default none
  --demo              FIELDLINE_DEMO=1       seed sites, assets, parts, users tech1/tech2/super1 (password "${demoPassword}") and work orders
  --demo-work-orders N                       how many demo work orders (default 300)
  DATABASE_URL=postgres://...  use PostgreSQL instead of SQLite (same migrations)
  LOG_LEVEL=debug|info|warn    log verbosity (default info)
  FIELDLINE_JWT_SECRET, FIELDLINE_JWT_PREVIOUS_SECRET, FIELDLINE_METRICS_TOKEN: see README (For IT)`;

/** FIELDLINE_TRUST_PROXY / --trust-proxy: '' none, 'true' every hop, a number of hops, or addresses and CIDRs. */
function trustProxyOf(text: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (text === '' || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return (_address, hop) => hop < hops;
  }
  return text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.FIELDLINE_PORT ?? '8787' },
      host: { type: 'string', default: process.env.FIELDLINE_HOST ?? '127.0.0.1' },
      data: { type: 'string', default: process.env.FIELDLINE_DATA_DIR ?? './.fieldline-data/server' },
      attachments: { type: 'string', default: process.env.FIELDLINE_ATTACHMENTS_DIR ?? '' },
      demo: { type: 'boolean', default: process.env.FIELDLINE_DEMO === '1' || process.env.FIELDLINE_DEMO === 'true' },
      'demo-work-orders': { type: 'string', default: '300' },
      'retention-days': { type: 'string', default: process.env.FIELDLINE_RETENTION_DAYS ?? '30' },
      'pool-size': { type: 'string', default: process.env.FIELDLINE_DB_POOL_SIZE ?? '20' },
      'trust-proxy': { type: 'string', default: process.env.FIELDLINE_TRUST_PROXY ?? '' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  const demoWorkOrders = Number(values['demo-work-orders']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got "${values.port}"`);
  if (!Number.isInteger(demoWorkOrders) || demoWorkOrders < 0) throw new Error('--demo-work-orders must be a whole number');
  const retentionDays = Number(values['retention-days']);
  // Shorter than a week would reset devices that are offline as long as they are meant to be.
  if (!Number.isInteger(retentionDays) || (retentionDays !== 0 && retentionDays < 8)) throw new Error(`--retention-days must be 0 (keep everything) or a whole number of days from 8, got "${values['retention-days']}"`);
  const poolSize = Number(values['pool-size']);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) throw new Error(`--pool-size must be a whole number from 1 to 1000, got "${values['pool-size']}"`);
  const trustProxy = trustProxyOf(values['trust-proxy']);
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', name: 'fieldline-server' });
  const database = await openServerDatabase(databaseTargetOf(process.env, values.data, poolSize), {
    onIdleConnectionError: (error) => logger.warn({ err: error }, 'an idle database connection was closed by the database; it will be replaced'),
    onCheckpointError: (error) => logger.error({ err: error }, 'the WAL checkpoint thread stopped; commits now checkpoint the WAL themselves once it passes 256 MB'),
  });
  if (values.demo) {
    const summary = await seedDemo(database.db, database.dialect, systemClock, { workOrders: demoWorkOrders });
    logger.info({ seeded: summary.seeded, users: summary.users.map((u) => u.username), workOrders: summary.workOrders }, summary.seeded ? 'demo data seeded' : 'demo data already present');
  }
  const server = await createSyncServer({ database, logger, retentionDays, trustProxy, attachments: { dir: values.attachments ? resolve(values.attachments) : join(resolve(values.data), 'attachments') } });
  const url = await server.listen(port, values.host);
  logger.info({ url, database: database.dialect, serverId: server.serverId }, 'Fieldline sync server listening');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`fieldline-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
