/** `rollback`: open a PR moving an environment back to a tag it ran before. */
import { optional, required, type Values } from "../args";
import type { CliIo } from "../io";
import { loadStatesFromBranches } from "../branches";
import { planRollback } from "../plan/rollback";
import { carryOutVerified, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CliIo, commandLine: string): number | Promise<number> {
  const env = required(values, "env");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, true);
  // Each stack file as the branch that feeds its environment has it (cli/branches.ts).
  const { states, refs } = loadStatesFromBranches(io.cwd, git);
  const state = states.find((s) => s.config.environment === env);
  const versions = state ? git.stackHistory(state.file) : [];
  const planned = planRollback(states, versions, {
    env,
    app: optional(values, "app"),
    to: optional(values, "to"),
    reason: optional(values, "reason"),
  });
  return carryOutVerified(planned, states, io, git, dryRun, commandLine, refs);
}

export const rollbackCommand: Command = {
  name: "rollback",
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
  --dry-run       print the steps, diff, branch, commit message and PR; change nothing
  -h, --help      show this help`,
  options: {
    env: { type: "string" },
    app: { type: "string" },
    to: { type: "string" },
    reason: { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
