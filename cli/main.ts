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
import * as fs from "fs";
import { parseArgs, type ParseArgsConfig } from "util";
import { listStacks, loadStackFile } from "../config/stackFiles";
import { StackConfigError } from "../config/validate";
import { applyPlan, EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from "./apply";
import { Git } from "./git";
import { processIo, type CliIo } from "./io";
import type { Planned } from "./plan/change";
import { chainOrder } from "./plan/chain";
import { planHotfix } from "./plan/hotfix";
import { planPromotion } from "./plan/promotion";
import { planRollback } from "./plan/rollback";
import type { StackState } from "./plan/state";
import { readApps, StackEditError } from "./stackText";
import {
  formatStatusTable,
  pulumiRecordReader,
  RecordsUnavailable,
  statusRows,
  type PromotionRecords,
} from "./status";

class UsageError extends Error {
  constructor(
    message: string,
    public readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** A refusal raised while loading: printed as "Refused: ..." with exit code 1. */
class Refused extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values = Record<string, string | boolean | undefined>;

interface Command {
  summary: string;
  usage: string;
  options: Options;
  run(values: Values, io: CliIo, command: string): number;
}

const HELP = { type: "boolean", short: "h" } as const;

function loadStates(projectDir: string): StackState[] {
  if (!fs.existsSync(`${projectDir}/Pulumi.yaml`)) {
    throw new Refused(
      `no Pulumi.yaml in ${projectDir}; run the command from the project directory`,
    );
  }
  const stacks = listStacks(projectDir);
  if (stacks.length === 0) throw new Refused(`no Pulumi.<env>.yaml stack file in ${projectDir}`);
  return stacks.map((stack) => {
    const file = `Pulumi.${stack}.yaml`;
    return {
      config: loadStackFile(projectDir, stack),
      file,
      apps: readApps(fs.readFileSync(`${projectDir}/${file}`, "utf8")),
    };
  });
}

function ordered(states: StackState[]): string[] {
  const order = chainOrder(states);
  if (!Array.isArray(order)) throw new Refused(order.refused);
  return order;
}

function str(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

function required(values: Values, name: string, command: string): string {
  const value = str(values, name);
  if (value === undefined || value === "") {
    throw new UsageError(`--${name} is required`, command);
  }
  return value;
}

function statusCommand(values: Values, io: CliIo): number {
  const states = loadStates(io.cwd);
  const order = ordered(states);
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  const records = new Map<string, PromotionRecords>();
  let unavailable: string | undefined;
  for (const env of order) {
    try {
      records.set(env, read(env));
    } catch (error) {
      if (!(error instanceof RecordsUnavailable)) throw error;
      unavailable = `promotion records unavailable (reading ${env}): ${error.reason}`;
      break;
    }
  }
  if (unavailable) io.err(`${unavailable}\nThe LAST RECORD column shows "-".`);
  const rows = statusRows(order, states, records);
  if (values.json) {
    io.out(
      JSON.stringify({ chain: order, recordsUnavailable: unavailable ?? null, rows }, null, 2),
    );
  } else {
    io.out(formatStatusTable(rows));
  }
  return EXIT_OK;
}

function carryOut(
  planned: Planned,
  states: StackState[],
  io: CliIo,
  git: Git,
  dryRun: boolean,
  command: string,
): number {
  if ("refused" in planned) {
    io.err(`Refused: ${planned.refused}`);
    return EXIT_REFUSED;
  }
  if ("nothingToDo" in planned) {
    io.out(`Nothing to do: ${planned.nothingToDo}.`);
    return EXIT_OK;
  }
  const { plan } = planned;
  const target = states.find((s) => s.config.environment === plan.env)!.config;
  return applyPlan(plan, { io, git, dryRun, order: ordered(states), target, command });
}

function gitFor(io: CliIo, needed: boolean): Git {
  const git = new Git(io.run, io.cwd);
  if (needed && !git.isRepository()) {
    throw new Refused(`${io.cwd} is not in a git repository; promotions are commits`);
  }
  return git;
}

function promoteCommand(values: Values, io: CliIo, command: string): number {
  const from = required(values, "from", "promote");
  const to = required(values, "to", "promote");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  const states = loadStates(io.cwd);
  const planned = planPromotion(states, {
    from,
    to,
    app: str(values, "app"),
    tag: str(values, "tag"),
  });
  return carryOut(planned, states, io, git, dryRun, command);
}

function rollbackCommand(values: Values, io: CliIo, command: string): number {
  const env = required(values, "env", "rollback");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, true);
  const states = loadStates(io.cwd);
  const state = states.find((s) => s.config.environment === env);
  const versions = state ? git.stackHistory(state.file) : [];
  const planned = planRollback(states, versions, {
    env,
    app: str(values, "app"),
    to: str(values, "to"),
    reason: str(values, "reason"),
  });
  return carryOut(planned, states, io, git, dryRun, command);
}

function hotfixCommand(values: Values, io: CliIo, command: string): number {
  const env = required(values, "env", "hotfix");
  const app = required(values, "app", "hotfix");
  const tag = required(values, "tag", "hotfix");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  const states = loadStates(io.cwd);
  const planned = planHotfix(states, { env, app, tag, reason: str(values, "reason") });
  return carryOut(planned, states, io, git, dryRun, command);
}

const COMMANDS: Record<string, Command> = {
  status: {
    summary: "what each environment runs, its upstream's tag, the last promotion record",
    usage: `Usage: npm run promote -- status [--json]

Shows, in chain order, each environment's apps: the tag its stack file pins, the tag its upstream
pins, whether it is behind (the upstream runs another tag), a rollback/hotfix exception in force,
and the last promotion record from the stack output promotionRecords (read with
\`pulumi stack output --json --stack <env>\`; "-" when pulumi or its backend is unavailable).

Options:
  --json       print the rows as JSON
  -h, --help   show this help`,
    options: { json: { type: "boolean" }, help: HELP },
    run: statusCommand,
  },
  promote: {
    summary: "open a PR giving an environment the tags its upstream runs",
    usage: `Usage: npm run promote -- promote --from <env> --to <env> [--app NAME] [--tag TAG] [--dry-run]

Pins in Pulumi.<to>.yaml the tags that <from> runs (every app the two have in common, or --app),
on a new branch promote-<to>-<tag>, commits "chore: promote <tag> to <to>", pushes to origin and
opens a pull request with the review checklist (gh), or prints its title and body. A rollback or
hotfix exception (bypass block) on a promoted app ends: the block is removed.

Options:
  --from ENV   the environment the tags come from: <to>'s upstream
  --to ENV     the environment whose stack file changes
  --app NAME   promote this app only
  --tag TAG    promote only if <from> runs exactly this tag (guards against <from> moving on)
  --dry-run    print the diff, branch, commit message and PR; change nothing
  -h, --help   show this help

Refused (exit 1): uncommitted changes, an unknown environment, <to> not taking tags from <from>,
a tag <from> does not run. Exit 0 with "Nothing to do" when <to> already runs the tags.`,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      app: { type: "string" },
      tag: { type: "string" },
      "dry-run": { type: "boolean" },
      help: HELP,
    },
    run: promoteCommand,
  },
  rollback: {
    summary: "open a PR moving an environment back to a tag it ran before",
    usage: `Usage: npm run promote -- rollback --env <env> --reason "..." [--app NAME] [--to TAG] [--dry-run]

Pins in Pulumi.<env>.yaml the tag each app (or --app) ran before, read from the git history of
that file (skipping tags a rollback already moved away from), or --to, which must be a tag it
ran before. Writes a bypass block { kind: rollback, reason } under the app, on a new branch
rollback-<env>-<tag>, commits "chore: roll back <env> to <tag>" with the reason, pushes to origin
and opens a pull request (gh), or prints its title and body.

Options:
  --env ENV       the environment to roll back
  --reason TEXT   why (required): recorded in the stack and on the Argo CD Application
  --app NAME      roll back this app only
  --to TAG        the tag to go back to, one the environment ran before
  --dry-run       print the diff, branch, commit message and PR; change nothing
  -h, --help      show this help`,
    options: {
      env: { type: "string" },
      app: { type: "string" },
      to: { type: "string" },
      reason: { type: "string" },
      "dry-run": { type: "boolean" },
      help: HELP,
    },
    run: rollbackCommand,
  },
  hotfix: {
    summary: "open a PR pinning a tag in an environment without its upstream",
    usage: `Usage: npm run promote -- hotfix --env <env> --app NAME --tag TAG --reason "..." [--dry-run]

Pins TAG for the app in Pulumi.<env>.yaml without taking it from the upstream, with a bypass
block { kind: hotfix, reason } under the app, on a new branch hotfix-<env>-<tag>, commits
"chore: hotfix <env> to <tag>", pushes to origin and opens a pull request (gh), or prints it.
Promote the fix through the chain afterwards; the next promotion into <env> ends the exception.

Options:
  --env ENV       the environment to hotfix
  --app NAME      the app
  --tag TAG       the immutable tag of the fixed build
  --reason TEXT   why (required): recorded in the stack and on the Argo CD Application
  --dry-run       print the diff, branch, commit message and PR; change nothing
  -h, --help      show this help`,
    options: {
      env: { type: "string" },
      app: { type: "string" },
      tag: { type: "string" },
      reason: { type: "string" },
      "dry-run": { type: "boolean" },
      help: HELP,
    },
    run: hotfixCommand,
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    "Usage: npm run promote -- <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    'Run "npm run promote -- <command> --help" for a command\'s options.',
    "Exit codes: 0 done (or nothing to do), 1 refused or failed, 2 usage error.",
  ].join("\n");
}

/** The command line as a user would type it, for the PR footer. */
function shellLine(argv: string[]): string {
  const quote = (arg: string) =>
    /^[A-Za-z0-9@%+=:,./_-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, "\\$1")}"`;
  return ["npm run promote --", ...argv.map(quote)].join(" ");
}

/** Runs the command line; returns the exit code. */
export function main(argv: string[], io: CliIo = processIo()): number {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    io.out(topic && COMMANDS[topic] ? COMMANDS[topic].usage : overview());
    return EXIT_OK;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(
      `Usage error: unknown command "${name}"; accepted: ${Object.keys(COMMANDS).join(", ")}\n\n${overview()}`,
    );
    return EXIT_USAGE;
  }
  try {
    let values: Values;
    try {
      values = parseArgs({ args: rest, options: command.options, strict: true }).values as Values;
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error), name);
    }
    if (values.help) {
      io.out(command.usage);
      return EXIT_OK;
    }
    return command.run(values, io, shellLine(argv.filter((arg) => arg !== "--dry-run")));
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

if (require.main === module) {
  // A reader that stops early (`| head`) is not an error of the command.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = main(process.argv.slice(2));
}
