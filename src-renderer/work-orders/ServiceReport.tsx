import type { AttachmentMeta } from '../../src-shared/domain/entities';
import { useIpc } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';
import { navigate } from '../app/routing';
import { useObjectUrl } from '../attachments/AttachmentThumbnail';
import { assigneeName, statusLabel } from './labels';
import { signOffPrefix } from './SignOffDialog';

function ReportPhoto({ attachment, variant }: { attachment: AttachmentMeta; variant: 'thumbnail' | 'content' }) {
  const file = useIpc('attachments.file', { attachmentId: attachment.id, variant });
  const url = useObjectUrl(file.data);
  if (!url) return <span className="muted">{file.isPending ? 'Loading…' : `${attachment.fileName} (not on this laptop)`}</span>;
  return <img src={url} alt={attachment.description || attachment.fileName} className={variant === 'content' ? 'report-signature' : 'report-photo'} />;
}

/**
 * The service report of a visit, from what the laptop holds (it works offline): the work done,
 * parts, labor, readings, photos and the sign-off, laid out for paper. "Print" prints it or saves
 * it as PDF through the system's print dialog.
 */
export function ServiceReport({ id }: { id: string }) {
  const detail = useIpc('workOrders.get', { workOrderId: id });
  const reference = useIpc('workOrders.reference', {});
  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!detail.data) return <p>Loading…</p>;
  const { workOrder: wo, asset, site, siteParts, attachments } = detail.data;
  const people = new Map((reference.data?.users ?? []).map((u) => [u.id, u]));
  const partName = new Map(siteParts.map((p) => [p.id, p]));
  const signOffs = attachments.filter((a) => a.description.startsWith(signOffPrefix));
  const photos = attachments.filter((a) => a.kind === 'photo' && !a.description.startsWith(signOffPrefix));
  const laborMinutes = wo.laborRecords.reduce((sum, l) => sum + l.minutes, 0);
  return (
    <article className="service-report" aria-labelledby="report-title" data-testid="service-report">
      <div className="actions no-print">
        <button type="button" onClick={() => navigate({ view: 'detail', id })}>
          ← Back to the work order
        </button>
        <button type="button" className="primary" onClick={() => window.print()}>
          Print or save as PDF
        </button>
      </div>
      <header className="report-head">
        <h1 id="report-title">Service report {wo.number ?? ''}</h1>
        <p>
          <strong>{wo.title}</strong>
        </p>
        <dl>
          <dt>Site</dt>
          <dd>{site ? `${site.name}, ${site.address}` : '—'}</dd>
          <dt>Asset</dt>
          <dd>{asset ? `${asset.tag} — ${asset.name} (${asset.manufacturer} ${asset.model}, serial ${asset.serialNumber})` : '—'}</dd>
          <dt>Technician</dt>
          <dd>{assigneeName(wo.assignedTo, people) ?? '—'}</dd>
          <dt>Status</dt>
          <dd>{statusLabel[wo.status]}</dd>
          <dt>Work started</dt>
          <dd>{dateTime(wo.actualStart)}</dd>
          <dt>Work finished</dt>
          <dd>{dateTime(wo.actualEnd)}</dd>
        </dl>
      </header>
      <section>
        <h2>Work done</h2>
        <ul>
          {wo.tasks.map((t) => (
            <li key={t.id}>
              {t.done ? '☑' : '☐'} {t.title}
              {t.done && t.doneAt ? ` (${dateTime(t.doneAt)})` : ''}
            </li>
          ))}
        </ul>
        {wo.completionNotes && (
          <p>
            <strong>Notes:</strong> {wo.completionNotes}
          </p>
        )}
        {wo.rootCause && (
          <p>
            <strong>Root cause:</strong> {wo.rootCause}
          </p>
        )}
      </section>
      <section>
        <h2>Parts used</h2>
        {wo.partsUsed.length === 0 ? (
          <p>None.</p>
        ) : (
          <table className="data-table">
            <tbody>
              {wo.partsUsed.map((u) => {
                const part = partName.get(u.partId);
                return (
                  <tr key={u.id}>
                    <td>{part ? `${part.partNumber} — ${part.description}` : u.partId}</td>
                    <td>
                      {u.quantity} {part?.unit ?? ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
      <section>
        <h2>Labor</h2>
        <p>
          {laborMinutes} min in {wo.laborRecords.length} entr{wo.laborRecords.length === 1 ? 'y' : 'ies'}
        </p>
      </section>
      <section>
        <h2>Measurements</h2>
        {wo.measurements.length === 0 ? (
          <p>None.</p>
        ) : (
          <ul>
            {wo.measurements.map((m) => (
              <li key={m.id}>
                {m.name}: {m.value} {m.unit} ({dateTime(m.recordedAt)})
              </li>
            ))}
          </ul>
        )}
      </section>
      {photos.length > 0 && (
        <section>
          <h2>Photos</h2>
          <div className="report-photos">
            {photos.map((a) => (
              <figure key={a.id}>
                <ReportPhoto attachment={a} variant="thumbnail" />
                <figcaption>{a.description || a.fileName}</figcaption>
              </figure>
            ))}
          </div>
        </section>
      )}
      <section>
        <h2>Sign-off</h2>
        {signOffs.length === 0 ? (
          <p>Not signed.</p>
        ) : (
          signOffs.map((a) => (
            <figure key={a.id} data-testid="report-sign-off">
              <ReportPhoto attachment={a} variant="content" />
              <figcaption>
                {a.description.slice(signOffPrefix.length)}, {dateTime(a.capturedAt)}
              </figcaption>
            </figure>
          ))
        )}
      </section>
    </article>
  );
}
