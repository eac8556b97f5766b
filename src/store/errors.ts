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
