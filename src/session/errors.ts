/** A request the session cannot honour as asked (already recording, a :goto target that is not a time); the message says what to do. */
export class SessionError extends Error {
  override name = 'SessionError';
}
