import { FilterError } from '../../event/filter-error.js';
import { EXEC_ENV_NAMES, EXEC_ENV_NAME_MAX, EXEC_ENV_SLOT, type OBJECT_MAPS } from '../../event/generated/skeleton.js';
import type { KernelTable } from '../types.js';

/** The environment variables execsnoop keeps when EBPFSH_EXEC_ENV is not set. */
export const DEFAULT_EXEC_ENV = ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT', 'PATH', 'HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'];

/** The variable that replaces the default list (comma-separated names; empty: none). */
export const EXEC_ENV_VARIABLE = 'EBPFSH_EXEC_ENV';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The map in execsnoop's object (a compile error if the C renames it). */
const ENV_MAP: (typeof OBJECT_MAPS.execsnoop)[number] = 'exec_env_names';

/** The names `EBPFSH_EXEC_ENV=value` asks for (undefined: the default list), checked; duplicates kept once. */
export function parseExecEnvNames(value: string | undefined): string[] {
  if (value === undefined) return DEFAULT_EXEC_ENV;
  const names = [...new Set(value.split(',').map((n) => n.trim()).filter((n) => n !== ''))];
  for (const n of names) {
    if (!NAME.test(n))
      throw new FilterError(`${EXEC_ENV_VARIABLE}: '${n}' is not an environment variable name (letters, digits and _, not starting with a digit; e.g. ${EXEC_ENV_VARIABLE}=LD_PRELOAD,PATH)`);
    if (n.length > EXEC_ENV_NAME_MAX) throw new FilterError(`${EXEC_ENV_VARIABLE}: '${n.slice(0, 20)}…' is longer than ${EXEC_ENV_NAME_MAX} bytes`);
  }
  if (names.length > EXEC_ENV_NAMES) throw new FilterError(`${EXEC_ENV_VARIABLE}: ${names.length} names, at most ${EXEC_ENV_NAMES} (e.g. ${EXEC_ENV_VARIABLE}=LD_PRELOAD,PATH)`);
  return names;
}

/**
 * The bytes of struct exec_env_names for `names` (bpf/probes/execsnoop.h):
 * `want` slot i holds "NAME=" NUL-padded, `mask` slot i 0xff over those bytes.
 */
export function encodeExecEnvNames(names: string[]): Buffer {
  const buf = Buffer.alloc(2 * EXEC_ENV_NAMES * EXEC_ENV_SLOT);
  const masks = EXEC_ENV_NAMES * EXEC_ENV_SLOT;
  names.forEach((n, i) => {
    buf.write(`${n}=`, i * EXEC_ENV_SLOT, 'latin1');
    buf.fill(0xff, masks + i * EXEC_ENV_SLOT, masks + i * EXEC_ENV_SLOT + n.length + 1);
  });
  return buf;
}

/** execsnoop's kernel table: the names of EBPFSH_EXEC_ENV (or the default), read at each attach. */
export function execEnvTables(env: NodeJS.ProcessEnv = process.env): KernelTable[] {
  const key = Buffer.alloc(4);
  return [{ map: ENV_MAP, entries: [[key, encodeExecEnvNames(parseExecEnvNames(env[EXEC_ENV_VARIABLE]))]] }];
}
