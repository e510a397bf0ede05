/** `hotfix`: open a PR pinning a tag in an environment without its upstream. */
import { optional, required, type Values } from "../args";
import type { CliIo } from "../io";
import { loadStatesFromBranches } from "../branches";
import { planHotfix } from "../plan/hotfix";
import { carryOutVerified, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CliIo, commandLine: string): number | Promise<number> {
  const env = required(values, "env");
  const app = required(values, "app");
  const tag = required(values, "tag");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  // Each stack file as the branch that feeds its environment has it (cli/branches.ts).
  const { states, refs } = loadStatesFromBranches(io.cwd, git);
  const planned = planHotfix(states, { env, app, tag, reason: optional(values, "reason") });
  return carryOutVerified(planned, states, io, git, dryRun, commandLine, refs);
}

export const hotfixCommand: Command = {
  name: "hotfix",
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
  --dry-run       print the steps, diff, branch, commit message and PR; change nothing
  -h, --help      show this help`,
  options: {
    env: { type: "string" },
    app: { type: "string" },
    tag: { type: "string" },
    reason: { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
