import { useEffect, useState } from 'preact/hooks';
import { pageChanged } from './loaded';

// History routing: every page and its filters live in the URL, so a link
// can be shared. The server answers index.html for any app path.

export interface Route {
  path: string;
  params: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Route {
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}

let shownPath = location.pathname;

// changed tells the pages, and the data-loaded marker when the page (not
// only its query) is another.
function changed() {
  if (location.pathname !== shownPath) {
    shownPath = location.pathname;
    pageChanged();
  }
  listeners.forEach((f) => f());
}

export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  changed();
}

window.addEventListener('popstate', changed);

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const f = () => setRoute(current());
    listeners.add(f);
    return () => {
      listeners.delete(f);
    };
  }, []);
  return route;
}

/** setParam changes one query parameter of the current page (replacing history). */
export function setParam(name: string, value: string) {
  const p = new URLSearchParams(location.search);
  if (value) p.set(name, value);
  else p.delete(name);
  const s = p.toString();
  navigate(location.pathname + (s ? '?' + s : ''), true);
}

/** onLinkClick makes plain <a href="/..."> clicks client-side navigations. */
export function onLinkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element).closest('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/') || href.startsWith('//')) return;
  e.preventDefault();
  navigate(href);
  window.scrollTo(0, 0);
}

export const paths = {
  overview: () => '/',
  project: (name: string) => '/projects/' + encodeURIComponent(name),
  artifact: (id: number) => '/artifacts/' + id,
  finding: (id: number) => '/findings/' + id,
  search: (q: string) => '/search?q=' + encodeURIComponent(q),
  trends: () => '/trends',
};
