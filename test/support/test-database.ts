import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseTarget } from '../../src-server/db/connect';

export const dialects = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof dialects)[number];

let counter = 0;

/** A fresh, empty database of the given kind: a temp SQLite file, or a new database in the test cluster. */
export async function freshDatabase(dialect: TestDialect): Promise<{ target: DatabaseTarget; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'fieldline-server-'));
    return { target: { kind: 'sqlite', file: join(dir, 'server.db') }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = inject('postgresAdminUrl');
  const name = `fl_${process.pid}_${Date.now()}_${counter++}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    target: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/**
 * A copy of the database as it is now, the way IT takes a backup (with the server stopped), and a
 * way to put it back over whatever the database became since: a restore. SQLite copies the file and
 * its WAL; PostgreSQL copies the database as a template.
 */
export async function backupDatabase(target: DatabaseTarget): Promise<{ restore(): Promise<void> }> {
  if (target.kind === 'sqlite') {
    const file = target.file;
    const dir = mkdtempSync(join(tmpdir(), 'fieldline-backup-'));
    const copy = join(dir, 'backup.db');
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    return {
      async restore() {
        for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
        copyFileSync(copy, file);
        if (existsSync(`${copy}-wal`)) copyFileSync(`${copy}-wal`, `${file}-wal`);
      },
    };
  }
  const adminUrl = inject('postgresAdminUrl');
  const name = new URL(target.url).pathname.slice(1);
  const backup = `${name}_backup_${counter++}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${backup} template ${name}`);
  return {
    async restore() {
      await admin(`drop database ${name} with (force)`);
      await admin(`create database ${name} template ${backup}`);
      await admin(`drop database ${backup}`);
    },
  };
}
