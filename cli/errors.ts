/** The two ways a command stops before doing anything: bad usage (exit 2) and a refusal (exit 1). */

/** The command line is wrong: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A refusal raised while loading or checking: printed as "Refused: ...", exit code 1. */
export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Refused";
  }
}
