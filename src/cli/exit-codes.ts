/** Exit codes of the `voxmail` command (documented in src/cli/README.md and `--help`). */
export const EXIT_OK = 0;
/** Could not start (port taken, data directory unusable...) or could not stop cleanly. */
export const EXIT_FAILURE = 1;
/** Bad usage or bad configuration: nothing was started. */
export const EXIT_USAGE = 2;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success; also after a graceful stop on SIGINT/SIGTERM
  1  failed to start or to stop cleanly (message on stderr)
  2  bad command line or configuration (VM_CONFIG_INVALID; every problem on stderr)`;
