/**
 * `sync`: after a promotion into the last environment, seed 003's "keep branches in sync" step as
 * pull requests: the branch that feeds the last environment merged back into every other
 * environment's branch that does not contain it yet (seed 003: prod into staging and dev; seed
 * 001: main into dev). The single-branch model has nothing to sync.
 */
import { optional, type Values } from "../args";
import { branchRef, loadStatesFromBranches } from "../branches";
import { Refused } from "../errors";
import { EXIT_OK } from "../exitCodes";
import { CommandFailed, type CliIo } from "../io";
import { orderedEnvironments } from "../load";
import { gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CliIo): number {
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, true);
  const { states } = loadStatesFromBranches(io.cwd, git);
  const order = orderedEnvironments(states);
  const from = optional(values, "from") ?? order[order.length - 1];
  const branchOf = (env: string): string => {
    const state = states.find((s) => s.config.environment === env);
    if (!state) throw new Refused(`no environment ${env}; the chain is ${order.join(" -> ")}`);
    const branch = state.config.governance?.branch;
    if (!branch) {
      throw new Refused(
        `${state.file} sets no promotion:governance.branch, so the branch that feeds ${env} is unknown: sync needs it in every stack file`,
      );
    }
    return branch;
  };
  const source = branchOf(from);
  const sourceRef = branchRef(git, source);
  if (!sourceRef) {
    throw new Refused(
      `the branch ${source} that feeds ${from} is not here (neither origin/${source} nor ${source}): run \`git fetch origin\``,
    );
  }
  const targets = [...new Set(order.filter((env) => env !== from).map(branchOf))].filter(
    (branch) => branch !== source,
  );
  if (targets.length === 0) {
    io.out(`Nothing to sync: every environment is fed from ${source}.`);
    return EXIT_OK;
  }
  const hasOrigin = git.remotes().includes("origin");
  for (const target of targets) {
    const targetRef = branchRef(git, target);
    if (!targetRef) {
      io.err(`warning: the branch ${target} is not here (git fetch origin?); not synced`);
      continue;
    }
    try {
      git.git("merge-base", "--is-ancestor", sourceRef, targetRef);
      io.out(`${target} already contains ${source}: nothing to sync.`);
      continue;
    } catch (error) {
      if (!(error instanceof CommandFailed)) throw error;
    }
    const commits = git
      .git("log", "--oneline", "--no-decorate", `${targetRef}..${sourceRef}`)
      .trim();
    const envs = order.filter(
      (env) =>
        states.find((s) => s.config.environment === env)?.config.governance?.branch === target,
    );
    const title = `chore: sync ${target} with ${source} after the promotion to ${from}`;
    const body = [
      `Merges ${source} (which feeds ${from}) back into ${target} (which feeds ${envs.join(", ")}), so the`,
      'branches do not drift apart (seed 003, "Keep branches in sync"). Each environment still reads',
      "only its own stack file from its own branch: this carries the other files along.",
      "",
      "Commits:",
      "```",
      commits,
      "```",
    ].join("\n");
    if (dryRun || !hasOrigin || !io.onPath("gh")) {
      const why = dryRun ? "dry run" : !hasOrigin ? "no origin" : "gh is not on PATH";
      io.out(
        [
          `Open the pull request (${why}), from ${source} into ${target}:`,
          "",
          `Title: ${title}`,
          "",
          body,
          "",
        ].join("\n"),
      );
      continue;
    }
    const args = [
      "pr",
      "create",
      "--base",
      target,
      "--head",
      source,
      "--title",
      title,
      "--body-file",
      "-",
    ];
    const url = io.run("gh", args, { cwd: io.cwd, input: body }).trim();
    io.out(`Opened the pull request merging ${source} into ${target}: ${url}`);
  }
  return EXIT_OK;
}

export const syncCommand: Command = {
  name: "sync",
  summary: "open PRs merging the last environment's branch back into the others' branches",
  usage: `Usage: npm run promote -- sync [--from <env>] [--dry-run]

Branch per environment (promotion:governance.branch differs between environments): after a
promotion into the last environment, opens one pull request per other branch that does not contain
the last environment's branch yet, merging it back (gh pr create --base <branch> --head <from's
branch>), or prints each to open by hand. Branches are read as origin/<branch> when fetched, else
the local branch. An environment sharing <from>'s branch needs nothing.

Options:
  --from ENV    the environment whose branch is merged back (default: the last of the chain)
  --dry-run     print the pull requests; change nothing
  -h, --help    show this help`,
  options: {
    from: { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
