/** `promote`: open a PR giving an environment the tags its upstream runs. */
import { optional, required, type Values } from "../args";
import type { CliIo } from "../io";
import { loadStates } from "../load";
import { planPromotion } from "../plan/promotion";
import { carryOut, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

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
  return carryOut(planned, states, io, git, dryRun, commandLine);
}

export const promoteCommand: Command = {
  name: "promote",
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
    help: HELP_OPTION,
  },
  run,
};
