/** What every subcommand is: its help and how it runs. */
import type { Options, Values } from "../args";
import type { CiIo } from "../io";

export interface Command {
  name: string;
  /** One line for the overview. */
  summary: string;
  /** The full help, printed by --help and after a usage error. */
  usage: string;
  options: Options;
  /** Runs with the parsed options; resolves to the exit code. */
  run(values: Values, io: CiIo): Promise<number>;
}

export const HELP_OPTION = { type: "boolean", short: "h" } as const;

/** What --base is, in every usage error that misses it. */
export const BASE_WHAT =
  "the git ref to compare HEAD with (the pull request's base, e.g. origin/main; after a push, the commit before it)";
