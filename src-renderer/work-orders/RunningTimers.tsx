import { useIpc } from '../api/fieldline';
import { hrefOf } from '../app/routing';
import { useNow } from '../app/useNow';
import { runningTimers } from './LaborTimer';

function RunningTimer({ workOrderId, startedAt, now }: { workOrderId: string; startedAt: string; now: number }) {
  const detail = useIpc('workOrders.get', { workOrderId });
  const minutes = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 60_000));
  const name = detail.data?.workOrder.number ?? detail.data?.workOrder.title ?? 'a work order';
  return (
    <li>
      ⏱ Labor timer running on <a href={hrefOf({ view: 'detail', id: workOrderId })}>{name}</a> for {minutes} min
    </li>
  );
}

/** A labor timer left running shows on every page, not only on its work order: time is never booked to the wrong job by a forgotten timer. */
export function RunningTimers({ except }: { except: string | null }) {
  const now = useNow(15_000);
  const timers = runningTimers().filter((t) => t.workOrderId !== except);
  if (timers.length === 0) return null;
  return (
    <ul className="notices running-timers" aria-label="Running labor timers">
      {timers.map((t) => (
        <RunningTimer key={t.workOrderId} {...t} now={now} />
      ))}
    </ul>
  );
}
