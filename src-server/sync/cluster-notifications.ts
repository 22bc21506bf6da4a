import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import { z } from 'zod';
import type { ServerDatabase, ServerDb } from '../db/schema';
import type { ChangeHub } from './change-hub';
import { readHead, type CommitResult, type ConflictAudience } from './unit-of-work';

/**
 * Wake-ups across server instances on one PostgreSQL (docs/keeping-work-safe.md): each commit sends a
 * NOTIFY inside its own transaction, so no instance hears of a change before it is committed; one
 * dedicated LISTEN connection per instance reads the changes it heard of from the change log and
 * hands them to its in-process hub. After that connection was lost and made again, every device on
 * the instance is told to pull: a wake-up may have gone by meanwhile. SQLite is one process: its
 * hub alone does.
 */
export const notificationChannel = 'fieldline_events';

/** Conflict audiences beyond this many travel as "everyone look" (a NOTIFY payload is at most 8000 bytes). */
const maxAudienceInPayload = 50;

const payloadSchema = z.object({
  /** The instance that committed. */
  o: z.string(),
  /** The head after the commit. */
  h: z.number().int().min(0),
  /** Whom its conflicts concern; null: too many to list, tell every device. */
  c: z.array(z.object({ s: z.string().nullable(), u: z.string() })).nullable(),
});

export class ClusterNotifications {
  private client: pg.Client | null = null;
  private delivered = 0;
  private stopped = false;
  private attempt = 0;
  private connectedBefore = false;
  private chain: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly o: {
      url: string;
      db: ServerDb;
      hub: ChangeHub;
      instanceId: string;
      log: { warn(details: object, message: string): void; info(details: object, message: string): void };
    },
  ) {}

  /** Inside the committing transaction: the other instances hear of this commit once it is committed. */
  async announce(trx: Transaction<ServerDatabase>, commit: Pick<CommitResult, 'head' | 'changes' | 'conflicts'>): Promise<void> {
    if (commit.changes.length === 0 && commit.conflicts.length === 0) return;
    const audience = dedupe(commit.conflicts);
    const payload = JSON.stringify({ o: this.o.instanceId, h: commit.head, c: audience.length > maxAudienceInPayload ? null : audience.map((a) => ({ s: a.siteId, u: a.userId })) });
    await sql`select pg_notify(${notificationChannel}, ${payload})`.execute(trx);
  }

  async start(): Promise<void> {
    this.delivered = await readHead(this.o.db);
    await this.connect();
  }

  /** The LISTEN connection is gone (a database restart, an admin's kill): it comes back by itself. */
  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.o.url });
    const lost = () => {
      if (this.client !== client && this.client !== null) return;
      this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', (error) => {
      this.o.log.warn({ err: error }, 'the database connection that listens for other instances’ changes was lost; reconnecting');
      lost();
    });
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== notificationChannel || message.payload === undefined) return;
      const payload = message.payload;
      this.chain = this.chain.then(() => this.heard(payload)).catch((error: unknown) => this.o.log.warn({ err: error }, 'a change notification from another instance could not be read'));
    });
    try {
      await client.connect();
      await client.query(`listen ${notificationChannel}`);
    } catch (error) {
      this.o.log.warn({ err: error }, 'cannot listen for other instances’ changes yet; retrying');
      client.removeAllListeners();
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    this.client = client;
    this.attempt = 0;
    if (this.connectedBefore) {
      // Whatever committed while nobody listened: every device here pulls once.
      const head = await readHead(this.o.db);
      this.delivered = Math.max(this.delivered, head);
      this.o.hub.pullEveryone(head);
      this.o.log.info({ head }, 'listening for other instances’ changes again; every device was told to pull');
    }
    this.connectedBefore = true;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retry) return;
    this.attempt++;
    const delay = Math.min(30_000, 250 * 2 ** Math.min(this.attempt, 7));
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, delay);
  }

  private async heard(text: string): Promise<void> {
    const payload = payloadSchema.safeParse(JSON.parse(text));
    if (!payload.success || payload.data.h <= this.delivered) return;
    const { o: origin, h: head, c: audience } = payload.data;
    const from = this.delivered;
    this.delivered = head;
    // This instance told its own devices when it committed.
    if (origin === this.o.instanceId) return;
    const changes = await this.o.db.selectFrom('changes').selectAll().where('seq', '>', from).where('seq', '<=', head).orderBy('seq').execute();
    const conflicts: ConflictAudience[] | 'everyone' = audience === null ? 'everyone' : audience.map((a) => ({ siteId: a.s, userId: a.u }));
    this.o.hub.deliverFromPeer(head, changes, conflicts);
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    await this.chain;
  }
}

function dedupe(conflicts: readonly ConflictAudience[]): ConflictAudience[] {
  return [...new Map(conflicts.map((c) => [`${c.siteId ?? ''}/${c.userId}`, c])).values()];
}
