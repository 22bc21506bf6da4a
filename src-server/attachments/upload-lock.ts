import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';
import { v7 as uuidv7 } from 'uuid';
import type { ServerDb } from '../db/schema';

/** How long a lock outlives its holder's last renewal: a crashed instance's uploads are free again after it. */
const leaseMs = 15_000;
/** How often a holder renews its lease and looks whether another request asked for the upload. */
const renewEveryMs = 1_000;
/** How often a waiting request tries again. */
const retryEveryMs = 100;
/** tus's own default: a request that cannot have the upload within this gets 500 ERR_LOCK_TIMEOUT and the device retries. */
const acquireTimeoutMs = 30_000;

/**
 * The tus upload lock, kept in the database so every instance of a fleet sees it: two instances
 * never both accept a chunk of the same upload. A device that lost its connection mid-chunk and
 * resumes, maybe through another instance, asks the holder (its own old request, still open on the
 * first) to let go, as tus's in-memory locker does within one process. Leases, not connections:
 * no database connection is held while a chunk arrives.
 */
export class DatabaseUploadLocker implements Locker {
  /** The requests of this instance holding a lock: asked to let go at once, not at their next renewal. */
  readonly held = new Map<string, { holder: string; release: RequestRelease }>();

  constructor(
    readonly db: ServerDb,
    readonly now: () => number = Date.now,
  ) {}

  newLock(id: string): Lock {
    return new DatabaseUploadLock(this, id);
  }
}

class DatabaseUploadLock implements Lock {
  private readonly holder = uuidv7();
  private renewal: NodeJS.Timeout | null = null;

  constructor(
    private readonly locker: DatabaseUploadLocker,
    private readonly id: string,
  ) {}

  async lock(stopSignal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const giveUpAt = Date.now() + acquireTimeoutMs;
    let asked = false;
    while (!stopSignal.aborted && Date.now() < giveUpAt) {
      if (await this.tryTake()) {
        this.locker.held.set(this.id, { holder: this.holder, release: requestRelease });
        this.renewal = setInterval(() => void this.renew(requestRelease), renewEveryMs);
        this.renewal.unref();
        return;
      }
      if (!asked) {
        asked = true;
        await this.askHolderToLetGo();
      }
      await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
    }
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- tus's own error, which it answers as 500 with its body
    throw ERRORS.ERR_LOCK_TIMEOUT;
  }

  async unlock(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    this.renewal = null;
    if (this.locker.held.get(this.id)?.holder === this.holder) this.locker.held.delete(this.id);
    await this.locker.db.deleteFrom('upload_locks').where('upload_id', '=', this.id).where('holder', '=', this.holder).execute();
  }

  /** Takes the lock if nobody holds it or the holder's lease ran out. */
  private async tryTake(): Promise<boolean> {
    const now = this.locker.now();
    const taken = await this.locker.db
      .insertInto('upload_locks')
      .values({ upload_id: this.id, holder: this.holder, expires_at: now + leaseMs, release_requested: 0 })
      .onConflict((oc) =>
        oc
          .column('upload_id')
          .doUpdateSet({ holder: this.holder, expires_at: now + leaseMs, release_requested: 0 })
          .where('upload_locks.expires_at', '<', now),
      )
      .returning('holder')
      .executeTakeFirst();
    return taken?.holder === this.holder;
  }

  private async askHolderToLetGo(): Promise<void> {
    const local = this.locker.held.get(this.id);
    if (local) {
      await local.release();
      return;
    }
    await this.locker.db.updateTable('upload_locks').set({ release_requested: 1 }).where('upload_id', '=', this.id).execute();
  }

  private async renew(requestRelease: RequestRelease): Promise<void> {
    try {
      const row = await this.locker.db
        .updateTable('upload_locks')
        .set({ expires_at: this.locker.now() + leaseMs })
        .where('upload_id', '=', this.id)
        .where('holder', '=', this.holder)
        .returning('release_requested')
        .executeTakeFirst();
      if (row?.release_requested === 1) await requestRelease();
    } catch {
      // The database did not answer this time: the next renewal tries again, well within the lease.
    }
  }
}
