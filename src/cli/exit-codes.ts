/** Exit codes of the `voxmail` command (documented in src/cli/README.md and `--help`). */
export const EXIT_OK = 0;
/** Could not start (port taken, data directory unusable...), could not stop cleanly, or a storage failure. */
export const EXIT_FAILURE = 1;
/** Bad usage, bad configuration or a value that fails validation: nothing was changed. */
export const EXIT_USAGE = 2;
/** The tenant, mailbox, message or number named does not exist: nothing was changed. */
export const EXIT_NOT_FOUND = 3;
/**
 * The change clashes with what exists (mailbox or tenant id taken, a number routed to
 * another mailbox, an export target file present): nothing was changed.
 */
export const EXIT_CONFLICT = 4;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success; also after a graceful stop on SIGINT/SIGTERM
  1  failed to start or to stop cleanly, or a storage error (message on stderr)
  2  bad command line, configuration or value (every problem on stderr; nothing changed)
  3  not found: the tenant, mailbox or message does not exist
  4  conflict: id already taken, number routed to another mailbox, file exists`;
