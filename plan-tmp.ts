import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientCore } from './src-main/core/session/client-core';
import startSecretService from './test/support/secret-service';
import { KeytarSecretStore } from './src-main/core/secrets/keytar-secret-store';
const stop = startSecretService();
const a = new ClientCore({ profileDir: mkdtempSync(join(tmpdir(), 'pl-')), secrets: new KeytarSecretStore('pl-' + Date.now()), sync: { pageSize: 5000 } });
const sa = await a.signIn('http://127.0.0.1:8799', 'super1', 'fieldline');
await sa.engine.sync('start');
const db = sa.store.db;
const qs = {
  thumbs: db.selectFrom('records as r').leftJoin('attachment_files as f', 'f.attachment_id', 'r.id').select(['r.id', 'r.data', 'f.thumbnail_state']).where('r.entity', '=', 'attachment').where('r.pending_delete', '=', 0).where((eb) => eb.or([eb('f.thumbnail_state', 'is', null), eb('f.thumbnail_state', '=', 'none')])).limit(200),
  orphans: db.selectFrom('attachment_files as f').leftJoin('records as r', (j) => j.onRef('r.id', '=', 'f.attachment_id').on('r.entity', '=', 'attachment')).select('f.attachment_id').where('r.id', 'is', null),
  closed: db.selectFrom('attachment_files as f').select('f.attachment_id').where('f.content_key', 'is not', null).where('f.upload_state', 'in', ['none', 'done']).where(({ exists, selectFrom }) => exists(selectFrom('records as w').select('w.id').where('w.entity', '=', 'workOrder').whereRef('w.id', '=', 'f.work_order_id').where('w.status', 'in', ['closed', 'cancelled']))),
  candidates: db.selectFrom('attachment_files as f').leftJoin('records as r', (j) => j.onRef('r.id', '=', 'f.attachment_id').on('r.entity', '=', 'attachment')).select(['f.attachment_id', 'r.version']).where('f.upload_state', 'in', ['waiting', 'uploading']),
};
for (const [name, q] of Object.entries(qs)) {
  const c = q.compile();
  const plan = sa.store.sqlite.prepare(`explain query plan ${c.sql}`).all(...(c.parameters as unknown[]));
  const t = performance.now(); for (let i = 0; i < 5; i++) await q.execute();
  console.log(name, ((performance.now() - t) / 5).toFixed(1), 'ms', JSON.stringify(plan.map((p: any) => p.detail)));
}
await a.signOut({ force: true }); stop(); process.exit(0);
