import { useEffect } from 'react';

/** Calls `fn` every `ms` (and once at once) while mounted. */
export function useInterval(fn: () => void, ms: number): void {
  useEffect(() => {
    fn();
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  }, [fn, ms]);
}
