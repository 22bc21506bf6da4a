import type { SyncHealth } from '../../src-shared/ipc/ipc-views';
import { useIpc } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';

/** Queue depth over the recorded cycles, as an SVG line: no chart library for one line. */
function QueueDepthChart({ points }: { points: SyncHealth['queueDepth'] }) {
  const width = 640;
  const height = 180;
  const pad = 28;
  if (points.length < 2) return <p className="muted">The chart appears after two sync cycles.</p>;
  const max = Math.max(1, ...points.map((p) => p.depth));
  const x = (i: number) => pad + (i * (width - 2 * pad)) / (points.length - 1);
  const y = (depth: number) => height - pad - (depth * (height - 2 * pad)) / max;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.depth).toFixed(1)}`).join(' ');
  const first = points[0];
  const last = points[points.length - 1];
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`Queue depth over the last ${points.length} syncs, at most ${max}`}>
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} className="axis" />
        <line x1={pad} y1={pad} x2={pad} y2={height - pad} className="axis" />
        <text x={pad - 6} y={pad + 4} textAnchor="end" className="tick">
          {max}
        </text>
        <text x={pad - 6} y={height - pad} textAnchor="end" className="tick">
          0
        </text>
        <path d={path} className="line" />
      </svg>
      <figcaption>
        Queued changes after each sync, {dateTime(first?.at ?? null)} – {dateTime(last?.at ?? null)}
      </figcaption>
    </figure>
  );
}

export function SyncHealthView() {
  const health = useIpc('sync.health', {});
  const h = health.data;
  return (
    <section aria-labelledby="health-title">
      <div className="view-header">
        <h1 id="health-title">Sync health</h1>
      </div>
      <ErrorNote error={health.error} />
      {h && (
        <>
          <div className="stats">
            <div className="stat">
              <span className="stat-value" data-testid="success-rate">{h.successRate === null ? '—' : `${Math.round(h.successRate * 100)} %`}</span>
              <span className="stat-label">successful syncs ({h.cycles} recorded)</span>
            </div>
            <div className="stat">
              <span className="stat-value">{h.averageDurationMs === null ? '—' : `${h.averageDurationMs} ms`}</span>
              <span className="stat-label">average sync time</span>
            </div>
            <div className="stat">
              <span className="stat-value">{Math.round((h.bytesSent + h.bytesReceived) / 1024)} KB</span>
              <span className="stat-label">sent and received</span>
            </div>
          </div>
          <h2>Queue depth</h2>
          <QueueDepthChart points={h.queueDepth} />
          <h2>Conflicts by kind</h2>
          {Object.keys(h.conflictsByKind).length === 0 ? (
            <p className="muted">No conflicts recorded.</p>
          ) : (
            <table className="data-table">
              <tbody>
                {Object.entries(h.conflictsByKind).map(([kind, n]) => (
                  <tr key={kind}>
                    <th scope="row">{kind}</th>
                    <td>{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {h.recentErrors.length > 0 && (
            <section aria-labelledby="recent-errors-title">
              <h2 id="recent-errors-title">Recent errors</h2>
              <ul>
                {h.recentErrors.toReversed().map((e) => (
                  <li key={e.at}>
                    {dateTime(e.at)}: {e.message ?? e.code} {e.message && <span className="muted">({e.code})</span>}
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </section>
  );
}
