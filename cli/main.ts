/**
 * The promotion command line (issue #5): `npm run promote -- <command> ...`.
 *
 *   status    what each environment runs, what its upstream runs, the last promotion record
 *   promote   open a PR moving the upstream's tags into the next environment
 *   rollback  open a PR moving an environment back to a tag it ran before (an exception)
 *   hotfix    open a PR pinning a tag in an environment straight away (an exception)
 *   initial   open a PR letting a stack with no state take its pinned tags (first deployment)
 *   pin-digests  open a PR pinning the registry's digest next to each tag an environment runs
 *   discover  take the newest build of each app from the registry into the first environment
 *   sync      open PRs merging the last environment's branch back into the others' branches
 *   check     check a promotion's rules against its evidence (CI checks, reports, metrics)
 *   verify    after an up: Synced and Healthy on the pinned images, smoke, SLO; roll back if not
 *   metrics   promotion metrics from the records and the git history
 *   dashboard the promotion dashboard: one HTML page, served, or its data as JSON
 *
 * `main(argv, io)` returns the exit code: 0 done, 1 refused or failed, 2 usage error; for an
 * asynchronous command (one that reads the network: the registry, live clusters, evidence), a
 * promise of it.
 */
import { didYouMean } from "../rules/suggest";
import type { Command } from "./commands/command";
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from "./exitCodes";
import { processIo, type CliIo } from "./io";

/**
 * Each command's name and one-line summary, for the overview and usage errors. The commands' code
 * (config validation, yaml, git) loads only when one runs, so `--help` starts as fast as Node
 * does; a unit test checks that these lines match the commands' own.
 */
export const COMMAND_SUMMARIES: readonly { name: string; summary: string }[] = [
  {
    name: "status",
    summary:
      "what each environment pins and deployed, its upstream's tag, the last promotion record",
  },
  { name: "promote", summary: "open a PR giving an environment the tags its upstream runs" },
  { name: "rollback", summary: "open a PR moving an environment back to a tag it ran before" },
  { name: "hotfix", summary: "open a PR pinning a tag in an environment without its upstream" },
  {
    name: "initial",
    summary:
      "open a PR letting a stack with no state take the tags it pins (a reviewed first deployment)",
  },
  {
    name: "pin-digests",
    summary: "open a PR pinning the registry's digest next to each tag an environment runs",
  },
  {
    name: "discover",
    summary: "take the newest build of each app from the registry into the first environment",
  },
  {
    name: "sync",
    summary: "open PRs merging the last environment's branch back into the others' branches",
  },
  {
    name: "check",
    summary: "check <to>'s promotion rules against the evidence for <from>'s tags; change nothing",
  },
  {
    name: "metrics",
    summary: "promotion metrics from the records and the git history (Prometheus text or JSON)",
  },
  {
    name: "verify",
    summary: "check an environment runs what it pins after an up; open its rollback PR if not",
  },
  {
    name: "dashboard",
    summary: "the promotion dashboard: one HTML page (--out DIR), served (--serve PORT), or --json",
  },
];

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on use, see COMMAND_SUMMARIES */
/** What running a command needs beyond the overview, loaded together, once, on first use. */
function loadRuntime() {
  return {
    commands: [
      (require("./commands/status") as typeof import("./commands/status")).statusCommand,
      (require("./commands/promote") as typeof import("./commands/promote")).promoteCommand,
      (require("./commands/rollback") as typeof import("./commands/rollback")).rollbackCommand,
      (require("./commands/hotfix") as typeof import("./commands/hotfix")).hotfixCommand,
      (require("./commands/initial") as typeof import("./commands/initial")).initialCommand,
      (require("./commands/pinDigests") as typeof import("./commands/pinDigests"))
        .pinDigestsCommand,
      (require("./commands/discover") as typeof import("./commands/discover")).discoverCommand,
      (require("./commands/sync") as typeof import("./commands/sync")).syncCommand,
      (require("./commands/check") as typeof import("./commands/check")).checkCommand,
      (require("./commands/metrics") as typeof import("./commands/metrics")).metricsCommand,
      (require("./commands/verify") as typeof import("./commands/verify")).verifyCommand,
      (require("./commands/dashboard") as typeof import("./commands/dashboard")).dashboardCommand,
    ] as readonly Command[],
    ...(require("./args") as typeof import("./args")),
    ...(require("./errors") as typeof import("./errors")),
    ...(require("./shell") as typeof import("./shell")),
    StackEditError: (require("./stackText") as typeof import("./stackText")).StackEditError,
    StackConfigError: (require("../config/validate") as typeof import("../config/validate"))
      .StackConfigError,
  };
}
let runtime: ReturnType<typeof loadRuntime> | undefined;
const commandRuntime = () => (runtime ??= loadRuntime());

/** The commands, in COMMAND_SUMMARIES order (loaded on first use). */
export function loadCommands(): readonly Command[] {
  return commandRuntime().commands;
}
/* eslint-enable @typescript-eslint/no-require-imports */

function commandNamed(name: string | undefined): Command | undefined {
  if (!COMMAND_SUMMARIES.some((c) => c.name === name)) return undefined;
  return loadCommands().find((c) => c.name === name);
}

function overview(): string {
  const width = Math.max(...COMMAND_SUMMARIES.map((c) => c.name.length));
  return [
    "Usage: npm run promote -- <command> [options]",
    "",
    "Commands:",
    ...COMMAND_SUMMARIES.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    'Run "npm run promote -- <command> --help" for a command\'s options.',
    "Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 usage error.",
  ].join("\n");
}

function unknownCommand(name: string, io: CliIo): number {
  const names = COMMAND_SUMMARIES.map((c) => c.name);
  io.err(
    `Usage error: unknown command "${name}"${didYouMean(name, names)}; accepted: ${names.join(", ")}\n\n${overview()}`,
  );
  return EXIT_USAGE;
}

/** The exit code of an error a command threw, said on stderr. */
function exitFor(error: unknown, command: Command, io: CliIo): number {
  const { Refused, UsageError, StackEditError, StackConfigError } = commandRuntime();
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

/** Runs one command; returns the exit code (a promise of it for an asynchronous command). */
function runCommand(command: Command, argv: string[], io: CliIo): number | Promise<number> {
  const { parseOptions, promoteCommandLine } = commandRuntime();
  try {
    const values = parseOptions(argv.slice(1), command.options);
    if (values.help) {
      io.out(command.usage);
      return EXIT_OK;
    }
    // The PR footer shows the command that makes the change, not its dry run.
    const code = command.run(
      values,
      io,
      promoteCommandLine(argv.filter((arg) => arg !== "--dry-run")),
    );
    return typeof code === "number" ? code : code.catch((error) => exitFor(error, command, io));
  } catch (error) {
    return exitFor(error, command, io);
  }
}

/** Runs the command line; returns the exit code (a promise of it for an asynchronous command). */
export function main(argv: string[], io: CliIo = processIo()): number | Promise<number> {
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
  const code = main(process.argv.slice(2));
  if (typeof code === "number") process.exitCode = code;
  else void code.then((resolved) => (process.exitCode = resolved));
}
