/* The messages between the binary hasher (main thread) and its worker thread. */

/** Main thread -> hash thread: hash the open file `fd` (the main thread closes it on the answer). */
export interface ToHasher {
  id: number;
  fd: number;
  /** Bytes past which it stops reading (the file grew after it was opened). */
  maxBytes: number;
  /** Send the bytes back too (--collect-binaries). */
  keep: boolean;
}

/** Hash thread -> main thread: the hash (and bytes when kept), or why not. */
export interface FromHasher {
  id: number;
  sha256?: string;
  bytes?: Uint8Array;
  size: number;
  tooBig?: boolean;
  error?: string;
  /** CPU ms the hash thread used so far. */
  cpuMs: number;
}
