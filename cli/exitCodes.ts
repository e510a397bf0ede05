/** The exit codes of every command (docs/cli.md "Exit codes"). */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;
