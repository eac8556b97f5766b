/** Why a capture cannot be written or read; the message names the fix. */
export class CaptureError extends Error {
  override name = 'CaptureError';
  constructor(
    message: string,
    /** A short machine code: ENOENT, EACCES, EEXIST, NOTCAPTURE, CORRUPT, NEWER, SCHEMA, TIMEOUT, FULL, QUERY. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** One clear line for whatever SQLite said about a file that is not a readable capture. */
export function asCaptureError(e: unknown, name: string): CaptureError {
  if (e instanceof CaptureError) return e;
  const err = e as { code?: string; message?: string };
  const msg = String(err?.message ?? e);
  switch (err?.code) {
    case 'SQLITE_NOTADB':
      return new CaptureError(`${name} is not an ebpfsh capture (not a SQLite database)`, 'NOTCAPTURE');
    case 'SQLITE_CORRUPT':
    case 'SQLITE_CORRUPT_VTAB':
    case 'SQLITE_CORRUPT_INDEX':
    case 'SQLITE_CORRUPT_SEQUENCE':
      return new CaptureError(`${name} is damaged (${msg}); copy it and try: sqlite3 ${name} .recover`, 'CORRUPT');
    case 'SQLITE_IOERR_SHORT_READ':
    case 'SQLITE_IOERR':
      return new CaptureError(`${name} cannot be read (${msg}); it may be truncated`, 'CORRUPT');
    case 'SQLITE_CANTOPEN':
      return new CaptureError(`${name} cannot be opened (${msg})`, 'ENOENT');
    case 'SQLITE_FULL':
      return new CaptureError(`no space left for ${name} (free space first)`, 'FULL');
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
      return new CaptureError(`${name} is read-only here (copy it somewhere writable)`, 'EACCES');
  }
  if (/malformed|corrupt/i.test(msg)) return new CaptureError(`${name} is damaged (${msg}); copy it and try: sqlite3 ${name} .recover`, 'CORRUPT');
  return new CaptureError(`${name}: ${msg}`, err?.code);
}
