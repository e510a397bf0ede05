/** `initial`: open a PR with a reviewed first deployment of an environment (initial bypasses). */
import { optional, required, type Values } from "../args";
import type { CliIo } from "../io";
import { loadStatesFromBranches } from "../branches";
import { planInitial } from "../plan/initial";
import { carryOut, gitFor } from "./change";
import { HELP_OPTION, type Command } from "./command";

function run(values: Values, io: CliIo, commandLine: string): number {
  const env = required(values, "env");
  const dryRun = values["dry-run"] === true;
  const git = gitFor(io, !dryRun);
  const { states, refs } = loadStatesFromBranches(io.cwd, git);
  const planned = planInitial(states, {
    env,
    app: optional(values, "app"),
    reason: optional(values, "reason"),
  });
  return carryOut(planned, states, io, git, dryRun, commandLine, refs);
}

export const initialCommand: Command = {
  name: "initial",
  summary:
    "open a PR letting a stack with no state take the tags it pins (a reviewed first deployment)",
  usage: `Usage: npm run promote -- initial --env <env> [--app NAME] --reason "..." [--dry-run]

A stack with no state (new, or its state lost) is gated like a promotion: it takes only tags its
upstream runs. To deploy the tags Pulumi.<env>.yaml pins anyway, this writes a bypass block
{ kind: initial, tag, reason } under each app (or the one app), on a new branch
initial-<env>-<tag>, commits "chore: first deployment of <env> at <tag>", pushes to origin and opens
a pull request (gh), or prints it. No tag changes. Once deployed, the bypass covers nothing; the
next promotion into <env> removes it.

Options:
  --env ENV       the environment to deploy for the first time
  --app NAME      only this app (default: every app of the environment)
  --reason TEXT   why (required): recorded in the stack and on the Argo CD Application
  --dry-run       print the steps, diff, branch, commit message and PR; change nothing
  -h, --help      show this help`,
  options: {
    env: { type: "string" },
    app: { type: "string" },
    reason: { type: "string" },
    "dry-run": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
