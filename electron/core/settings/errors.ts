/** A command line or configuration the agent cannot start with; the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}
