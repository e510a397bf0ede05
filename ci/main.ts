/**
 * The logic CI workflows call (issue #10): `npm run ci -- <subcommand> ...`, runnable locally.
 *
 *   affected  the stacks a change affects, in chain order (--json for a workflow matrix)
 *   preview   preview each affected stack; one PR comment, one check per stack
 *   up        deploy each affected stack in chain order, stopping at the first failure
 *   settings  each stack's Pulumi Deployments settings (--apply sends them to Pulumi Cloud)
 *   deploy    run a stack's update on Pulumi Deployments and wait for its result
 *
 * `main(argv, io)` resolves to the exit code: 0 done, 1 a preview or up failed (or the repository
 * cannot be worked on), 2 usage error. docs/ci.md says what each writes.
 */
import { didYouMean } from "../rules/suggest";
import { parseOptions } from "./args";
import { affectedCommand } from "./commands/affected";
import type { Command } from "./commands/command";
import { deployCommand } from "./commands/deploy";
import { settingsCommand } from "./commands/settings";
import { previewCommand } from "./commands/preview";
import { upCommand } from "./commands/up";
import { CiFailure, EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from "./errors";
import { processIo, type CiIo } from "./io";

const COMMANDS: readonly Command[] = [
  affectedCommand,
  previewCommand,
  upCommand,
  settingsCommand,
  deployCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: npm run ci -- <subcommand> [options]",
    "",
    "Subcommands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    'Run "npm run ci -- <subcommand> --help" for its options (docs/ci.md).',
    "Exit codes: 0 done, 1 a preview or up failed (or the stack files cannot be read), 2 usage error.",
  ].join("\n");
}

async function runCommand(command: Command, args: string[], io: CiIo): Promise<number> {
  try {
    const values = parseOptions(args, command.options);
    if (values.help) {
      io.out(command.usage);
      return EXIT_OK;
    }
    return await command.run(values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`Usage error: ${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof CiFailure) {
      io.err(`Failed: ${error.message}`);
      return EXIT_FAILED;
    }
    io.err(`Failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_FAILED;
  }
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], io: CiIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || (name === "help" && rest.length === 0)) {
    io.out(overview());
    return EXIT_OK;
  }
  const topic = name === "help" ? rest[0] : name;
  const command = COMMANDS.find((c) => c.name === topic);
  if (!command) {
    const names = COMMANDS.map((c) => c.name);
    io.err(
      `Usage error: unknown subcommand "${topic}"${didYouMean(topic, names)}; accepted: ${names.join(", ")}\n\n${overview()}`,
    );
    return EXIT_USAGE;
  }
  if (name === "help") {
    io.out(command.usage);
    return EXIT_OK;
  }
  return runCommand(command, rest, io);
}

if (require.main === module) {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`Failed: ${String(error)}\n`);
      process.exitCode = EXIT_FAILED;
    },
  );
}
