/** How a ci command stops early: bad usage (exit 2) or a project it cannot work on (exit 1). */

/** The command line is wrong (unknown subcommand or option, a --base git does not know). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The repository cannot be worked on as it is (a stack file that cannot be read, no git). */
export class CiFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CiFailure";
  }
}

/** The exit codes of every subcommand (docs/ci.md). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
