// A failure the user caused (bad argument, unknown tenant, invalid file): printed as one line,
// exit code 1, and nothing was changed.
export class CliError extends Error {}
