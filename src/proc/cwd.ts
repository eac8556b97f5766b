import { readlinkSync } from 'node:fs';
import { toByteString, type ByteString } from '../event/index.js';

/** The working directory of PID now (exact bytes), or undefined when it is gone or not ours to read. */
export function readCwd(pid: number | string, root = '/proc'): ByteString | undefined {
  try {
    return toByteString(readlinkSync(`${root}/${pid}/cwd`, { encoding: 'buffer' }));
  } catch {
    return undefined;
  }
}
