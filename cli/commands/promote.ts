/** `promote`: open a PR giving an environment the tags its upstream runs. */
import { optional, required, type Values } from "../args";
import { pulumiRecordReader, RecordsUnavailable } from "../deployed";
import type { Git } from "../git";
import type { CliIo } from "../io";
import { loadStatesFromBranches } from "../branches";
import type { Planned } from "../plan/change";
import { promotionRisks, requireConfirmation } from "../plan/confirm";
import { deployedMismatch, upCommand } from "../plan/deployed";
import { planPromotion } from "../plan/promotion";
import { promoteCommandLine } from "../shell";
import type { StackState } from "../plan/state";
import { checkRules, rulesCheckText } from "../evidence";
import { carryOutVerified, gitFor } from "./change";
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

/**
 * Refuses, unless confirmed, a promotion that re-pins a tag the target rolled back from or ends a
 * hotfix, read from the git history of the target's stack file.
 */
function checkConfirmation(
  planned: Planned,
  target: StackState,
  git: Git,
  io: CliIo,
  confirm: string | undefined,
  commandLine: string,
): Planned {
  if (!("plan" in planned)) return planned;
  let history: ReturnType<Git["stackHistory"]> = [];
  if (git.isRepository()) history = git.stackHistory(target.file);
  else io.err(`warning: not a git repository, so the history of ${target.file} is not checked`);
  const risks = promotionRisks(planned.plan, history);
  if (risks.length === 0 && confirm !== undefined) {
    io.err(
      "note: --confirm is not needed for this promotion (nothing it re-pins was rolled back from, no hotfix ends); it is not recorded",
    );
  }
  return requireConfirmation(planned, risks, confirm, commandLine);
}

/** The promotion as a command line without --confirm and --dry-run: to repeat, confirmed. */
function repeatCommand(values: Values): string {
  const args = ["promote"];
  for (const name of ["from", "to", "app", "tag"]) {
    const value = optional(values, name);
    if (value !== undefined) args.push(`--${name}`, value);
  }
  return promoteCommandLine(args);
}

export const OVERRIDE_REQUIRED =
  "--override-rules needs a reason: say why promoting against the rules is safe; it is recorded in the commit and the pull request";

/**
 * Checks the target's promotion rules (docs/rules.md) against the evidence for the promoted tags.
 * A failed rule refuses the promotion with the table, unless overridden with a reason, which goes
 * into the commit and, as a caution, into the pull request (seed 002's SKIP_VALIDATION, recorded).
 */
async function checkPromotionRules(
  planned: Planned,
  source: StackState,
  target: StackState,
  io: CliIo,
  override: string | undefined,
): Promise<Planned> {
  if (!("plan" in planned)) return planned;
  const apps = [...new Set(planned.plan.changes.map((c) => c.app))];
  const check = await checkRules(io, source, target, apps);
  if (!check) return planned;
  const table = rulesCheckText(check);
  if (check.passed) {
    io.err(table);
    return { plan: { ...planned.plan, rules: { table, override: undefined } } };
  }
  if (override === undefined) {
    return {
      refused: `${table}\nTo promote anyway, say why: --override-rules "<reason>" (recorded in the commit and the pull request).`,
    };
  }
  if (override.trim() === "") return { refused: OVERRIDE_REQUIRED };
  const reason = override.trim();
  io.err(`${table}\nOverridden: ${reason}`);
  const plan = planned.plan;
  // The override goes into the stack file too, next to each refused app's tag: the gate of
  // preview and up checks the same rules (preflight/rules.ts), and lets the tag through on it.
  const refusedApps = new Set(check.reports.filter((r) => !r.passed).map((r) => r.app));
  const edits = plan.edits.map((edit) =>
    refusedApps.has(edit.app) ? { ...edit, overrideRules: reason } : edit,
  );
  return {
    plan: {
      ...plan,
      edits,
      rules: { table, override: reason },
      commitBody: [plan.commitBody, "", `Promotion rules overridden: ${reason}`].join("\n"),
    },
  };
}

function run(values: Values, io: CliIo, commandLine: string): number | Promise<number> {
  const from = required(values, "from");
  const to = required(values, "to");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  // Each stack file as the branch that feeds its environment has it (cli/branches.ts).
  const { states, refs } = loadStatesFromBranches(io.cwd, git);
  const planned = planPromotion(states, {
    from,
    to,
    app: optional(values, "app"),
    tag: optional(values, "tag"),
  });
  const source = states.find((s) => s.config.environment === from);
  const target = states.find((s) => s.config.environment === to);
  if (!source || !target)
    return carryOutVerified(planned, states, io, git, dryRun, commandLine, refs);
  const confirmed = checkConfirmation(
    planned,
    target,
    git,
    io,
    optional(values, "confirm"),
    repeatCommand(values),
  );
  const checked = checkUpstreamDeployed(confirmed, source, io);
  if (!target.config.rules || !("plan" in checked)) {
    return carryOutVerified(checked, states, io, git, dryRun, commandLine, refs);
  }
  return checkPromotionRules(checked, source, target, io, optional(values, "override-rules")).then(
    (ruled) => carryOutVerified(ruled, states, io, git, dryRun, commandLine, refs),
  );
}

export const promoteCommand: Command = {
  name: "promote",
  summary: "open a PR giving an environment the tags its upstream runs",
  usage: `Usage: npm run promote -- promote --from <env> --to <env> [--app NAME] [--tag TAG] [--confirm REASON] [--override-rules REASON] [--dry-run]

Pins in Pulumi.<to>.yaml the tags that <from> runs (every app the two have in common, or --app),
on a new branch promote-<to>-<tag>, commits "chore: promote <tag> to <to>", pushes to origin and
opens a pull request with the review checklist (gh), or prints its title and body. A rollback or
hotfix exception (bypass block) on a promoted app ends: the block is removed.

<from> must have deployed what its stack file pins: its last \`up\` is read from its stack outputs
(as status does). A tag merged into Pulumi.<from>.yaml but not deployed there is refused, with
the command to deploy it; when deployed state cannot be read, a warning says it was not checked.

When <to> has promotion:rules (docs/rules.md), they are checked first against the evidence for the
promoted tags, as \`check\` does; a failed rule refuses the promotion with the table.

A promotion that re-pins a tag <to> rolled back from (the git history of Pulumi.<to>.yaml), or
that replaces a hotfix in force in <to>, is refused unless confirmed with --confirm "<why>"; the
reason goes into the commit and, as a caution at the top, into the pull request.

Options:
  --from ENV        the environment the tags come from: <to>'s upstream
  --to ENV          the environment whose stack file changes
  --app NAME        promote this app only
  --tag TAG         promote only if <from> runs exactly this tag (guards against <from> moving on)
  --confirm REASON  promote a tag <to> rolled back from, or over a hotfix, for this reason
  --override-rules REASON
                    promote although <to>'s promotion rules fail (npm run promote -- check), for
                    this reason, recorded in the commit and, as a caution, in the pull request
  --dry-run         print the steps, diff, branch, commit message and PR; change nothing
  -h, --help        show this help

Refused (exit 1): uncommitted changes, an unknown environment, <to> not taking tags from <from>,
a tag <from> does not run or has not deployed. Exit 0 with "Nothing to do" when <to> already runs
the tags.`,
  options: {
    from: { type: "string" },
    to: { type: "string" },
    app: { type: "string" },
    tag: { type: "string" },
    confirm: { type: "string" },
    "override-rules": { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
