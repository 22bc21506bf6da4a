import { useSyncExternalStore } from 'react';

/** The screens, addressed by the URL hash so back/forward and reloads keep the technician's place. */
export type Route =
  | { view: 'list' }
  | { view: 'detail'; id: string }
  | { view: 'report'; id: string }
  | { view: 'new' }
  | { view: 'queue' }
  | { view: 'conflicts' }
  | { view: 'health' }
  | { view: 'settings' };

export function parseRoute(hash: string): Route {
  const [view, id, part] = hash.replace(/^#\/?/, '').split('/');
  switch (view) {
    case 'work-orders':
      if (!id) return { view: 'list' };
      return part === 'report' ? { view: 'report', id: decodeURIComponent(id) } : { view: 'detail', id: decodeURIComponent(id) };
    case 'new':
    case 'queue':
    case 'conflicts':
    case 'health':
    case 'settings':
      return { view };
    default:
      return { view: 'list' };
  }
}

export function hrefOf(route: Route): string {
  switch (route.view) {
    case 'list':
      return '#/work-orders';
    case 'detail':
      return `#/work-orders/${encodeURIComponent(route.id)}`;
    case 'report':
      return `#/work-orders/${encodeURIComponent(route.id)}/report`;
    default:
      return `#/${route.view}`;
  }
}

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export function useRoute(): Route {
  return parseRoute(useSyncExternalStore(subscribe, () => location.hash));
}
