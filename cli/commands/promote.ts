/** `promote`: open a PR giving an environment the tags its upstream runs. */
import { optional, required, type Values } from "../args";
import { pulumiRecordReader, RecordsUnavailable } from "../deployed";
import type { CliIo } from "../io";
import { loadStates } from "../load";
import type { Planned } from "../plan/change";
import { deployedMismatch, upCommand } from "../plan/deployed";
import { planPromotion } from "../plan/promotion";
import type { StackState } from "../plan/state";
import { carryOut, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

/**
 * Refuses a promotion of tags the upstream's file pins but its last `up` did not deploy: they
 * have not run there. When deployed state cannot be read, says so and lets the promotion go on
 * (the program's promotion gate checks again at preview).
 */
function checkUpstreamDeployed(planned: Planned, source: StackState, io: CliIo): Planned {
  if (!("plan" in planned)) return planned;
  const env = source.config.environment;
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  try {
    const apps = planned.plan.changes.map((c) => c.app);
    const mismatch = deployedMismatch(source, read(env), apps);
    if (mismatch) return { refused: `${mismatch}: run '${upCommand(env)}' first` };
  } catch (error) {
    if (!(error instanceof RecordsUnavailable)) throw error;
    io.err(
      `warning: could not check what ${env} last deployed (${error.reason}); promoting what ${source.file} pins`,
    );
  }
  return planned;
}

function run(values: Values, io: CliIo, commandLine: string): number {
  const from = required(values, "from");
  const to = required(values, "to");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  const states = loadStates(io.cwd);
  const planned = planPromotion(states, {
    from,
    to,
    app: optional(values, "app"),
    tag: optional(values, "tag"),
  });
  const source = states.find((s) => s.config.environment === from);
  const checked = source ? checkUpstreamDeployed(planned, source, io) : planned;
  return carryOut(checked, states, io, git, dryRun, commandLine);
}

export const promoteCommand: Command = {
  name: "promote",
  summary: "open a PR giving an environment the tags its upstream runs",
  usage: `Usage: npm run promote -- promote --from <env> --to <env> [--app NAME] [--tag TAG] [--dry-run]

Pins in Pulumi.<to>.yaml the tags that <from> runs (every app the two have in common, or --app),
on a new branch promote-<to>-<tag>, commits "chore: promote <tag> to <to>", pushes to origin and
opens a pull request with the review checklist (gh), or prints its title and body. A rollback or
hotfix exception (bypass block) on a promoted app ends: the block is removed.

<from> must have deployed what its stack file pins: its last \`up\` is read from its stack outputs
(as status does). A tag merged into Pulumi.<from>.yaml but not deployed there is refused, with
the command to deploy it; when deployed state cannot be read, a warning says it was not checked.

Options:
  --from ENV   the environment the tags come from: <to>'s upstream
  --to ENV     the environment whose stack file changes
  --app NAME   promote this app only
  --tag TAG    promote only if <from> runs exactly this tag (guards against <from> moving on)
  --dry-run    print the diff, branch, commit message and PR; change nothing
  -h, --help   show this help

Refused (exit 1): uncommitted changes, an unknown environment, <to> not taking tags from <from>,
a tag <from> does not run or has not deployed. Exit 0 with "Nothing to do" when <to> already runs
the tags.`,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    app: { type: "string" },
    tag: { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
