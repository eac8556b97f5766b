/**
 * How telling an open is to a responder, one definition in two languages:
 * TypeScript for live events (the `:noise` fold) and SQL for `ebpfsh tree`
 * (which ranks inside SQLite so it reads only the rows it lists). A test
 * checks that both agree on the same paths.
 */

/** Rank of an open that writes, creates or truncates. */
export const OPEN_WRITE = 0;
/** Rank of a failed open of a sensitive path (credentials, configuration, logs). */
export const OPEN_SENSITIVE_FAILURE = 1;
/** Rank of any other file. */
export const OPEN_OTHER = 2;
/** Rank of a read-only open of a shared library, locale or loader file: what every process start opens. */
export const OPEN_LIBRARY = 3;

/** Plural name of each rank's opens, for the count of those a list left out. */
export const OPEN_RANK_NAMES = ['writes', 'sensitive failures', 'other', 'libraries'] as const;

/** O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: the open may change the file. */
const WRITE_MASK = 0o1103;

// Where credentials, configuration and logs live: a failed open there is probing.
const SENSITIVE = /^\/(etc|root|home|var\/log|boot|var\/spool\/cron)\/|\/\.ssh\//;
const SENSITIVE_SQL = `(path GLOB '/etc/*' OR path GLOB '/root/*' OR path GLOB '/home/*' OR path GLOB '/var/log/*' OR path GLOB '/boot/*' OR path GLOB '/var/spool/cron/*' OR path GLOB '*/.ssh/*')`;

// The loader and libc on every start: shared objects, library directories,
// locale and gconv data, the loader cache, the process's own /proc files.
// (/etc/ld.so.preload is not here: it is a persistence point.)
const LIBRARY = /\.so(\.[0-9][\s\S]*)?$|^\/(usr\/)?lib(32|64|x32)?\/|^\/usr\/share\/locale\/|\/gconv\/|^\/etc\/ld\.so\.cache$|^\/proc\/(self|thread-self)\//;
const LIBRARY_SQL = `(path GLOB '*.so' OR path GLOB '*.so.[0-9]*' OR path GLOB '/lib/*' OR path GLOB '/lib32/*' OR path GLOB '/lib64/*' OR path GLOB '/libx32/*' OR path GLOB '/usr/lib/*' OR path GLOB '/usr/lib32/*' OR path GLOB '/usr/lib64/*' OR path GLOB '/usr/libx32/*' OR path GLOB '/usr/share/locale/*' OR path GLOB '*/gconv/*' OR path = '/etc/ld.so.cache' OR path GLOB '/proc/self/*' OR path GLOB '/proc/thread-self/*')`;

/** The rank of one open (0 most telling, see OPEN_*): the same as OPEN_RANK_SQL gives in a capture. */
export function openRank(path: string, flags: number, ret: number): number {
  if ((flags & WRITE_MASK) !== 0) return OPEN_WRITE;
  if (ret < 0 && SENSITIVE.test(path)) return OPEN_SENSITIVE_FAILURE;
  if (LIBRARY.test(path)) return OPEN_LIBRARY;
  return OPEN_OTHER;
}

/** openRank as an SQL expression over the opensnoop table's `path`, `flags` and `ret` (any stored type). */
export const OPEN_RANK_SQL = `(CASE WHEN (flags & ${WRITE_MASK}) != 0 THEN ${OPEN_WRITE} WHEN ret < 0 AND ${SENSITIVE_SQL} THEN ${OPEN_SENSITIVE_FAILURE} WHEN ${LIBRARY_SQL} THEN ${OPEN_LIBRARY} ELSE ${OPEN_OTHER} END)`;
