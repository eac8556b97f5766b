/** Why a probe could not be attached, detached or configured; the message names the fix. */
export class ProbeError extends Error {
  override name = 'ProbeError';
  constructor(
    message: string,
    /** errno name from the kernel/libbpf when there was one (EPERM, ENOENT, ...). */
    readonly code?: string,
    /** libbpf's log (verifier output), for --verbose. */
    readonly details?: string,
  ) {
    super(message);
  }
}

/** An error thrown by the native addon. */
export interface NativeError extends Error {
  code?: string;
  op?: string;
  errno?: number;
  details?: string;
}

/** True for errors raised by the native addon. */
export function isNativeError(e: unknown): e is NativeError {
  return e instanceof Error && typeof (e as NativeError).op === 'string';
}
