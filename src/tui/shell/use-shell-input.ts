import { useInput, useStdin, type Key } from 'ink';
import { useCallback, useEffect, useRef } from 'react';

/**
 * True when a terminal read began with Esc and went on with another key: ESC ':' is
 * Esc pressed just before ':' (both landed in one read, as on a busy host or over ssh),
 * and ESC ESC [A is Esc then Up. ESC [ and ESC O begin a key's own sequence.
 */
export function startsWithEscape(raw: string): boolean {
  return raw.length > 1 && raw[0] === '\x1b' && raw[1] !== '[' && raw[1] !== 'O';
}

/**
 * ink's useInput, keeping what ink drops: ink strips the Esc in front of ':' or '/'
 * and passes a plain key. Such a key comes with `meta` set, as Alt+key does
 * (a terminal sends both the same way), so the shell can take it as Esc, then the key.
 */
export function useShellInput(handler: (input: string, key: Key) => void): void {
  const { internal_eventEmitter: events } = useStdin();
  const afterEscape = useRef(false);
  useEffect(() => {
    const note = (raw: string) => {
      afterEscape.current = startsWithEscape(raw);
    };
    // first, whatever order the effects ran in: useInput's handler reads the flag for the same read
    events.prependListener('input', note);
    return () => {
      events.removeListener('input', note);
    };
  }, [events]);
  useInput(
    useCallback(
      (input: string, key: Key) => {
        const escaped = afterEscape.current && !key.escape;
        afterEscape.current = false;
        handler(input, escaped ? { ...key, meta: true } : key);
      },
      [handler],
    ),
  );
}
