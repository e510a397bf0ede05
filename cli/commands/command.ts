/** What every command of the command line is: its help and how it runs. */
import type { Options, Values } from "../args";
import type { CliIo } from "../io";

export interface Command {
  name: string;
  /** One line for the overview. */
  summary: string;
  /** The full help, printed by --help and with a usage error. */
  usage: string;
  options: Options;
  /**
   * Runs with the parsed options; `commandLine` is the command as typed, for the PR footer.
   * Commands that read the network (the registry, live clusters, evidence) are asynchronous.
   */
  run(values: Values, io: CliIo, commandLine: string): number | Promise<number>;
}

export const HELP_OPTION = { type: "boolean", short: "h" } as const;
