import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PushResult } from '../../src-shared/protocol/push';

/**
 * What IT's monitoring scrapes at GET /metrics (Prometheus text, prom-client): request latency by
 * route, pushes and ops by result, conflicts by kind, open event sockets, uploads, how long writers
 * wait for the change head's lock, the database pool's use, and the process's own figures. One
 * registry per server, so two servers in one process (tests) do not mix.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requestSeconds = new Histogram({
    name: 'fieldline_http_request_duration_seconds',
    help: 'Time to answer a request, by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly pushes = new Counter({ name: 'fieldline_pushes_total', help: 'Push requests applied', registers: [this.registry] });
  readonly ops = new Counter({ name: 'fieldline_push_ops_total', help: 'Pushed ops by result (applied, conflict, rejected, duplicate)', labelNames: ['result'], registers: [this.registry] });
  readonly conflicts = new Counter({ name: 'fieldline_conflicts_total', help: 'Conflicts recorded, by kind (refused: a change escalated to supervisors)', labelNames: ['kind'], registers: [this.registry] });
  readonly eventSockets = new Gauge({ name: 'fieldline_event_sockets', help: 'Devices connected to the events socket of this instance', registers: [this.registry] });
  readonly uploads = new Counter({ name: 'fieldline_attachment_uploads_total', help: 'Attachment uploads finished, by result (stored, refused)', labelNames: ['result'], registers: [this.registry] });
  readonly headLockWait = new Histogram({
    name: 'fieldline_change_head_lock_wait_seconds',
    help: 'How long a writing transaction waited for the change head lock',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });

  constructor(pool: (() => { total: number; idle: number; waiting: number }) | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'fieldline_' });
    if (pool) {
      new Gauge({
        name: 'fieldline_db_pool_connections',
        help: 'PostgreSQL pool connections, by state (in use, idle, requests waiting for one)',
        labelNames: ['state'],
        registers: [this.registry],
        collect() {
          const stats = pool();
          this.set({ state: 'in-use' }, stats.total - stats.idle);
          this.set({ state: 'idle' }, stats.idle);
          this.set({ state: 'waiting' }, stats.waiting);
        },
      });
    }
  }

  /** A push's answer, counted. */
  pushed(results: readonly PushResult[], headLockWaitMs: number): void {
    this.pushes.inc();
    this.headLockWait.observe(headLockWaitMs / 1000);
    for (const result of results) {
      this.ops.inc({ result: result.status });
      if (result.conflict && result.status !== 'duplicate') this.conflicts.inc({ kind: result.conflict.kind });
      if (result.escalation && result.status !== 'duplicate') this.conflicts.inc({ kind: 'refused' });
    }
  }
}
