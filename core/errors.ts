/** Every failure a user can meet has a kind the UI can act on and a message a person can read. */
export type ErrorKind =
  | 'auth'
  | 'tls'
  | 'host-not-found'
  | 'connection-refused'
  | 'timeout'
  | 'connection-lost'
  | 'protocol'
  | 'journal-too-new'
  | 'not-found'
  | 'invalid-input'
  | 'secret-store'
  /** The SMTP server would not take the letter for these recipients or from this sender (5xx on the envelope). */
  | 'relay-denied'
  | 'too-large'
  /** The SMTP server refused the letter for good (any other 5xx). */
  | 'rejected'
  /** The server asked to try again later (4xx). */
  | 'temporary'
  /** The feature is switched off in the settings (calls/SMS/meetings, the review flags, the mail client). */
  | 'disabled'
  /** Something the action needs has not been set up yet (an SMS provider). */
  | 'not-configured';

export class InterlogError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'InterlogError';
  }

  /** Network trouble worth retrying with backoff; wrong passwords and bad certificates are not. */
  get transient(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'connection-lost' ||
      this.kind === 'connection-refused' ||
      this.kind === 'temporary'
    );
  }
}
