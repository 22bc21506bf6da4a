import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { secondsLeft } from '../../src-shared/sync/sync-status';

describe('time left of a sync', () => {
  it('at a steady rate it is what the rest takes at that rate; no guess before there is a rate, none when done', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 50 }), (total, done, msPerRecord) => {
        fc.pre(done <= total);
        const left = secondsLeft({ done, total }, done * msPerRecord);
        if (done === total || (done < total / 10 && done * msPerRecord < 5000)) expect(left).toBeNull();
        else expect(left).toBe(Math.ceil(((total - done) * msPerRecord) / 1000));
      }),
    );
  });
});
