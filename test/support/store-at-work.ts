/**
 * A process that works the laptop's store as the app does, for the temp-file scan
 * (test/client/temp-files.test.ts): it opens the encrypted store with the product's own code,
 * writes records whose text carries a marker, sorts and searches them in ways SQLite may spill to
 * temporary files, then stores attachments through the vault, one of them cut off before its staging
 * file is renamed. Its parent reads every file this process holds open meanwhile, deleted temp
 * files included (/proc/<pid>/fd), and every file it leaves.
 * argv: <profile dir> <marker>
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEncryptedStore } from '../../src-main/core/store/open-store';
import { AttachmentVault } from '../../src-main/core/attachments/attachment-vault';

const [dir, marker] = process.argv.slice(2);
if (!dir || !marker) throw new Error('usage: store-at-work <dir> <marker>');
const store = await openEncryptedStore(join(dir, 'fieldline.db'), 'cd'.repeat(32));
const insert = store.sqlite.prepare(
  `insert into records (entity, id, version, data, server_data, sync_state, search_text, pending_delete, updated_at) values ('workOrder', ?, 1, ?, null, 'synced', ?, 0, '2026-01-01T00:00:00Z')`,
);
const text = (i: number) => `Gate code ${marker} for visit ${i} ${'notes '.repeat(20)}`;
store.sqlite.transaction(() => {
  for (let i = 0; i < 150_000; i++) insert.run(`wo-${String(i).padStart(8, '0')}`, JSON.stringify({ completionNotes: text(i) }), text(i).toLowerCase());
})();
// Sorts no index serves, a DISTINCT and a GROUP BY: what the sorter spills once it passes its cache.
store.sqlite.prepare('select data from records order by substr(data, 20) desc').all();
store.sqlite.prepare('select distinct search_text from records').all();
store.sqlite.prepare('select search_text, count(*) from records group by search_text').all();
const vault = new AttachmentVault(join(dir, 'attachments'));
const photo = Buffer.from(`${marker} `.repeat(1_000_000));
for (let i = 0; i < 8; i++) await vault.write(`00000000-0000-7000-8000-00000000000${i}`, 'content', photo);
// A write cut off between staging and its rename (as by a crash): a directory where the file
// belongs makes the rename fail, so the staging file stays for the parent to read.
const stuck = '00000000-0000-7000-8000-0000000000ff';
mkdirSync(join(dir, 'attachments', `${stuck}.content`), { recursive: true });
await vault.write(stuck, 'content', photo).then(
  () => {
    throw new Error('the rename over a directory should have failed');
  },
  () => undefined,
);
await store.db.destroy();
console.log('done');
