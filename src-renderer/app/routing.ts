import { useSyncExternalStore } from 'react';

/** The screens, addressed by the URL hash so back/forward and reloads keep the technician's place. */
export type Route =
  | { view: 'list' }
  | { view: 'detail'; id: string }
  | { view: 'new' }
  | { view: 'queue' }
  | { view: 'conflicts' }
  | { view: 'health' }
  | { view: 'settings' };

export function parseRoute(hash: string): Route {
  const [view, id] = hash.replace(/^#\/?/, '').split('/');
  switch (view) {
    case 'work-orders':
      return id ? { view: 'detail', id: decodeURIComponent(id) } : { view: 'list' };
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
