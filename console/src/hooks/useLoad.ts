// Loads data for a page: the answer, the error (kept apart from "no data", so a page can say
// "could not load" instead of "nothing here"), whether it is loading, and reload(). Loads once
// when the component mounts (pages are mounted anew for each route and tenant) and on reload().
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loaded<X> {
  data: X | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useLoad<X>(fn: () => Promise<X>): Loaded<X> {
  const [data, setData] = useState<X | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    fnRef.current().then(
      (d) => {
        if (mine !== generation.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== generation.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, []);
  useEffect(reload, [reload]);
  return { data, error, loading, reload };
}
