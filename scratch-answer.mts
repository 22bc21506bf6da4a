import Database from 'better-sqlite3-multiple-ciphers';
import { gzipSync, gzip } from 'node:zlib';
import { promisify } from 'node:util';
const db = new Database('/tmp/srvP/fieldline-server.db', { readonly: true });
const rows = db.prepare(`select id, version, data from records where entity='workOrder' limit 10000`).all() as {id:string;version:number;data:string}[];
const results = rows.map((r) => ({ opId: '0190f7a2-6a3b-7c4d-8e5f-0123456789ab', status: 'applied', version: r.version + 1, record: JSON.parse(r.data) }));
const slim = rows.map((r) => ({ opId: '0190f7a2-6a3b-7c4d-8e5f-0123456789ab', status: 'applied', version: r.version + 1, updatedAt: '2026-11-23T10:00:00.000Z' }));
for (const [name, list] of [['full', results], ['slim', slim]] as const) {
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now(); let bytes = 0, gz = 0, tStr = 0, tGz = 0, tParse = 0;
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const s = JSON.stringify({ results: list.slice(i * 1000, i * 1000 + 1000) });
      const t1 = performance.now();
      const z = await promisify(gzip)(s);
      const t2 = performance.now();
      JSON.parse(s);
      const t3 = performance.now();
      tStr += t1 - t0; tGz += t2 - t1; tParse += t3 - t2; bytes += s.length; gz += z.length;
    }
    console.log(name, { bytes, gz, tStr: tStr.toFixed(0), tGz: tGz.toFixed(0), tParse: tParse.toFixed(0), total: (performance.now() - t).toFixed(0) });
  }
}
