import { useState } from 'react';
import { useIpc } from '../api/fieldline';
import { shortDate } from '../app/format';
import { hrefOf } from '../app/routing';
import { statusLabel } from './labels';

/** The other work orders on this asset that the laptop holds: what was done to it before. */
export function AssetHistory({ assetId, current }: { assetId: string; current: string }) {
  const [open, setOpen] = useState(false);
  const list = useIpc('workOrders.list', { assetId, limit: 50 }, { enabled: open });
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Earlier work on this asset
      </button>
    );
  const others = (list.data?.items ?? []).filter((wo) => wo.id !== current);
  return (
    <div data-testid="asset-history">
      <h3>Earlier work on this asset</h3>
      {list.data && others.length === 0 && <p className="muted">No other work order on this asset is on this laptop.</p>}
      <ul className="plain-list">
        {others.map((wo) => (
          <li key={wo.id}>
            <a href={hrefOf({ view: 'detail', id: wo.id })}>{wo.number ?? 'new'}</a> {wo.title} — {statusLabel[wo.status]}, due {shortDate(wo.scheduledEnd)}
          </li>
        ))}
      </ul>
    </div>
  );
}
