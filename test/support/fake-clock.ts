import type { Clock } from '../../src-shared/sync/clock';

export class FakeClock implements Clock {
  constructor(private ms: number = Date.parse('2026-11-02T08:00:00.000Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
