/** A mistake in how the command was typed: reported with the usage text and exit status 2. */
export class UsageError extends Error {}
