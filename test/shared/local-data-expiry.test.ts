import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expiresLocally, expiryDue, expiryIntervalMs, finishedStatuses, localRetentionDays, type ExpiryCandidate } from '../../src-shared/domain/local-data-expiry';
import { workOrderStatuses } from '../../src-shared/domain/work-order-status';

const day = 24 * 3600 * 1000;
const now = Date.parse('2026-11-23T08:00:00.000Z');

const candidate = fc.record({
  id: fc.uuid(),
  status: fc.constantFrom<string | null>(...workOrderStatuses, null),
  updatedAt: fc.integer({ min: now - 400 * day, max: now }).map((ms) => new Date(ms).toISOString()),
  unsettled: fc.boolean(),
  pinned: fc.boolean(),
});

describe('local data expiry', () => {
  it('removes only finished, settled, unpinned work orders whose last change is past the retention', () => {
    fc.assert(
      fc.property(candidate, (c) => {
        const old = now - Date.parse(c.updatedAt) > localRetentionDays * day;
        const finished = finishedStatuses.some((s) => s === c.status);
        expect(expiresLocally(c, now)).toBe(finished && old && !c.unsettled && !c.pinned);
      }),
    );
  });

  it('once expired, stays expired as time goes on', () => {
    fc.assert(
      fc.property(candidate, fc.integer({ min: 0, max: 1000 * day }), (c, later) => {
        if (expiresLocally(c, now)) expect(expiresLocally(c, now + later)).toBe(true);
      }),
    );
  });

  it('keeps a work order closed 90 days ago to the day, removes one closed a day before that', () => {
    const closed: ExpiryCandidate = { id: 'wo', status: 'closed', updatedAt: new Date(now - 90 * day).toISOString(), unsettled: false, pinned: false };
    expect(expiresLocally(closed, now)).toBe(false);
    expect(expiresLocally({ ...closed, updatedAt: new Date(now - 91 * day).toISOString() }, now)).toBe(true);
    expect(expiresLocally({ ...closed, status: 'completed', updatedAt: new Date(now - 400 * day).toISOString() }, now)).toBe(false);
  });

  it('keeps a work order whose date it cannot read', () => {
    expect(expiresLocally({ id: 'wo', status: 'cancelled', updatedAt: '', unsettled: false, pinned: false }, now)).toBe(false);
  });

  it('runs at most once a day, and again when the clock was set back or the mark is unreadable', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10 * day, max: 10 * day }), (sinceLast) => {
        const last = new Date(now - sinceLast).toISOString();
        expect(expiryDue(last, now)).toBe(sinceLast >= expiryIntervalMs || sinceLast < 0);
      }),
    );
    expect(expiryDue(null, now)).toBe(true);
    expect(expiryDue('not a date', now)).toBe(true);
  });
});
