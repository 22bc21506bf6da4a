import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ClientCore } from './src-main/core/session/client-core';
import startSecretService from './test/support/secret-service';
import { KeytarSecretStore } from './src-main/core/secrets/keytar-secret-store';
const stop = startSecretService();
const mk = (name: string) => new ClientCore({ profileDir: mkdtempSync(join(tmpdir(), 'pr-')), secrets: new KeytarSecretStore('pr-' + name + Date.now()), sync: { pageSize: 1000 }, logger: pino({ level: 'info' }, pino.destination(2)) });
const a = mk('a'), b = mk('b');
const sa = await a.signIn('http://127.0.0.1:8799', 'super1', 'fieldline');
const sb = await b.signIn('http://127.0.0.1:8799', 'super1', 'fieldline');
await sa.engine.sync('start'); await sb.engine.sync('start');
sb.engine.start();
await new Promise((r) => setTimeout(r, 300));
const ids = (await sa.queries.list({ statuses: ['assigned'], limit: 5 })).items.map((w) => w.id);
for (const [i, id] of ids.entries()) {
  const note = `propagation ${i} ${Date.now()}`;
  const t0 = performance.now();
  await sa.workOrders.editNotes({ workOrderId: id, description: note });
  const t1 = performance.now();
  await sa.engine.sync('manual');
  const t2 = performance.now();
  for (;;) {
    const row = sb.store.sqlite.prepare("select data from records where entity = 'workOrder' and id = ?").get(id) as { data: string } | undefined;
    if (row && row.data.includes(note)) break;
    await new Promise((r) => setTimeout(r, 1));
  }
  console.log(`edit ${(t1 - t0).toFixed(1)} syncA ${(t2 - t1).toFixed(1)} reachB ${(performance.now() - t0).toFixed(1)}`);
}
await a.signOut({ force: true }); await b.signOut({ force: true }); stop(); process.exit(0);
