/** A filter that cannot be parsed or does not apply; its message names the fix. */
export class FilterError extends Error {
  override name = 'FilterError';
}
