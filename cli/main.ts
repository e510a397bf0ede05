/**
 * The promotion command line (issue #5): `npm run promote -- <command> ...`.
 *
 *   status    what each environment runs, what its upstream runs, the last promotion record
 *   promote   open a PR moving the upstream's tags into the next environment
 *   rollback  open a PR moving an environment back to a tag it ran before (an exception)
 *   hotfix    open a PR pinning a tag in an environment straight away (an exception)
 *
 * `main(argv, io)` returns the exit code: 0 done, 1 refused or failed, 2 usage error.
 */
import { StackConfigError } from "../config/validate";
import { didYouMean } from "../rules/suggest";
import { parseOptions } from "./args";
import { hotfixCommand } from "./commands/hotfix";
import { promoteCommand } from "./commands/promote";
import { rollbackCommand } from "./commands/rollback";
import { statusCommand } from "./commands/status";
import { syncCommand } from "./commands/sync";
import type { Command } from "./commands/command";
import { Refused, UsageError } from "./errors";
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from "./exitCodes";
import { processIo, type CliIo } from "./io";
import { promoteCommandLine } from "./shell";
import { StackEditError } from "./stackText";

const COMMANDS: readonly Command[] = [
  statusCommand,
  promoteCommand,
  rollbackCommand,
  hotfixCommand,
  syncCommand,
];

function commandNamed(name: string | undefined): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: npm run promote -- <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    'Run "npm run promote -- <command> --help" for a command\'s options.',
    "Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 usage error.",
  ].join("\n");
}

function unknownCommand(name: string, io: CliIo): number {
  const names = COMMANDS.map((c) => c.name);
  io.err(
    `Usage error: unknown command "${name}"${didYouMean(name, names)}; accepted: ${names.join(", ")}\n\n${overview()}`,
  );
  return EXIT_USAGE;
}

/** Runs one command; returns the exit code. */
function runCommand(command: Command, argv: string[], io: CliIo): number {
  try {
    const values = parseOptions(argv.slice(1), command.options);
    if (values.help) {
      io.out(command.usage);
      return EXIT_OK;
    }
    // The PR footer shows the command that makes the change, not its dry run.
    return command.run(values, io, promoteCommandLine(argv.filter((arg) => arg !== "--dry-run")));
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`Usage error: ${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof Refused || error instanceof StackEditError) {
      io.err(`Refused: ${error.message}`);
      return EXIT_REFUSED;
    }
    if (error instanceof StackConfigError) {
      io.err(`Refused: fix the stack file first.\n${error.message}`);
      return EXIT_REFUSED;
    }
    io.err(`Failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_REFUSED;
  }
}

/** Runs the command line; returns the exit code. */
export function main(argv: string[], io: CliIo = processIo()): number {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return EXIT_USAGE;
  }
  const topic = name === "help" ? rest[0] : undefined;
  if (name === "--help" || name === "-h" || (name === "help" && topic === undefined)) {
    io.out(overview());
    return EXIT_OK;
  }
  const command = commandNamed(topic ?? name);
  if (!command) return unknownCommand(topic ?? name, io);
  if (topic !== undefined) {
    io.out(command.usage);
    return EXIT_OK;
  }
  return runCommand(command, argv, io);
}

if (require.main === module) {
  // A reader that stops early (`| head`) is not an error of the command.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = main(process.argv.slice(2));
}
