import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** Columns and rows of the terminal, following resizes (fixed values win, for tests). */
export function useTerminalSize(fixed?: { columns?: number; rows?: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: fixed?.columns ?? stdout.columns ?? 100, rows: fixed?.rows ?? stdout.rows ?? 30 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
    // read() depends only on stdout and the fixed size
  }, [stdout, fixed?.columns, fixed?.rows]);
  return size;
}
