// Where the console is: `#page/arg?tenant=name` in the URL's hash. The page and its argument (a
// message id) and, for operators, the tenant they act in, so a reload or a shared link opens the
// same page of the same tenant.
import { createContext, useContext, useEffect, useState } from 'react';

export interface Route {
  page: string;
  arg?: string;
  tenant?: string;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const [page = '', arg] = path.split('/').map((s) => decodeURIComponent(s));
  const tenant = params.get('tenant') || undefined;
  return { page, ...(arg ? { arg } : {}), ...(tenant ? { tenant } : {}) };
}

export function routeHref(r: Route): string {
  const path = [r.page, ...(r.arg ? [r.arg] : [])].map(encodeURIComponent).join('/');
  return `#${path}${r.tenant ? `?tenant=${encodeURIComponent(r.tenant)}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function navigate(r: Route, opts: { replace?: boolean } = {}): void {
  const href = routeHref(r);
  if (opts.replace) {
    history.replaceState(null, '', href);
    dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = href.slice(1);
}

/** Links inside the console keep the tenant the operator works in. */
export const TenantContext = createContext<string | undefined>(undefined);

export function useHref(): (page: string, arg?: string) => string {
  const tenant = useContext(TenantContext);
  return (page, arg) => routeHref({ page, ...(arg ? { arg } : {}), ...(tenant ? { tenant } : {}) });
}

/** Goes to a page of the console, in the same tenant. */
export function useGo(): (page: string, arg?: string) => void {
  const tenant = useContext(TenantContext);
  return (page, arg) => navigate({ page, ...(arg ? { arg } : {}), ...(tenant ? { tenant } : {}) });
}
