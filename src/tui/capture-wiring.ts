import type { CaptureFactory } from '../commands/shell/index.js';

/**
 * The capture store behind `-w`, `:record`, `:stop`, `:mark` and `:query`.
 * src/store (issue 3) is not in this tree yet; until it is wired here those
 * commands say plainly that recording is unavailable instead of pretending.
 */
export async function loadCaptureFactory(): Promise<CaptureFactory | null> {
  return null;
}
