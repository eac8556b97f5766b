/** A fleet problem meant for the user as it is: one lower-case line that names the fix. */
export class FleetError extends Error {
  override name = 'FleetError';
}
