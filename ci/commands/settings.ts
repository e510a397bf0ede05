/**
 * `settings`: each stack's Pulumi Deployments settings, derived from its stack file
 * (rules/ci/deploymentSettings.ts), printed (secrets redacted) or, with --apply, sent to Pulumi Cloud.
 */
import { StackConfigError } from "../../config/validate";
import { loadStackFile, readProjectName } from "../../config/stackFiles";
import {
  deploymentSettings,
  redactSettings,
  stackRoute,
  type DeploymentSettingsBody,
  type StackAddress,
} from "../../rules/ci/deploymentSettings";
import { optional, type Values } from "../args";
import { CiFailure, EXIT_OK, UsageError } from "../errors";
import type { CiIo } from "../io";
import { apiBase, PulumiCloud } from "../pulumiCloud";
import { chainOrder } from "../stacks";
import { HELP_OPTION, type Command } from "./command";

/** The token, or a failure that says where it comes from. */
export function accessToken(io: CiIo): string {
  const token = io.env.PULUMI_ACCESS_TOKEN;
  if (!token) {
    throw new CiFailure(
      "PULUMI_ACCESS_TOKEN is not set: export a Pulumi Cloud access token (in CI, from the repository's secrets)",
    );
  }
  return token;
}

/** The stacks to work on: --stack, or every stack file that sets promotion:deployments. */
function settingsOf(io: CiIo, only: string | undefined) {
  const chain = chainOrder(io.cwd);
  if (only !== undefined && !chain.includes(only)) {
    throw new UsageError(
      `--stack ${only}: there is no Pulumi.${only}.yaml; accepted: ${chain.join(", ")}`,
    );
  }
  const project = readProjectName(io.cwd);
  const results: { stack: string; address: StackAddress; body: DeploymentSettingsBody }[] = [];
  const problems: string[] = [];
  for (const stack of only ? [only] : chain) {
    let config;
    try {
      config = loadStackFile(io.cwd, stack);
    } catch (error) {
      if (error instanceof StackConfigError) {
        problems.push(error.message);
        continue;
      }
      throw error;
    }
    if (!config.deployments && only === undefined) continue;
    const result = deploymentSettings(config, project, io.env);
    if (result.ok) results.push({ stack, address: result.address, body: result.body });
    else problems.push(...result.problems);
  }
  if (problems.length > 0) {
    throw new CiFailure(`no settings were sent:\n  ${problems.join("\n  ")}`);
  }
  if (results.length === 0) {
    throw new CiFailure(
      `no stack file sets promotion:deployments (${chain.map((s) => `Pulumi.${s}.yaml`).join(", ")}): see docs/deployments.md`,
    );
  }
  return results;
}

async function run(values: Values, io: CiIo): Promise<number> {
  const apply = values.apply === true;
  if (values.replace === true && !apply) throw new UsageError("--replace goes with --apply");
  const all = settingsOf(io, optional(values, "stack"));
  if (!apply) {
    io.out(
      JSON.stringify(
        all.map((s) => ({
          stack: s.stack,
          route: stackRoute(s.address, "/settings"),
          body: redactSettings(s.body),
        })),
        null,
        2,
      ),
    );
    return EXIT_OK;
  }
  const cloud = new PulumiCloud(apiBase(optional(values, "api"), io.env), accessToken(io));
  for (const s of all) {
    await cloud.putSettings(s.address, s.body, values.replace === true);
    io.out(
      `${s.stack}: deployment settings ${values.replace === true ? "replaced" : "applied"} (${s.address.organization}/${s.address.project}/${s.stack}: ${s.body.gitHub.repository} ${s.body.sourceContext.git.branch}, ${s.body.gitHub.paths.length} path filters)`,
    );
  }
  return EXIT_OK;
}

export const settingsCommand: Command = {
  name: "settings",
  summary: "Pulumi Deployments settings of each stack, from its stack file (--apply sends them)",
  usage: `Usage: npm run ci -- settings [--stack <stack>] [--apply [--replace]] [--api <url>]

The Pulumi Deployments settings of every stack whose stack file sets promotion:deployments (or of
--stack), derived from the stack file: the repository and branch from promotion:governance, path
filters so a stack deploys only when its own stack file or the program changes, pull request
previews, deploys on commit, pre-run commands and environment variables; secrets by name, read from
this process's environment (docs/deployments.md).

Without --apply, prints what would be sent (secrets as "[secret]") and sends nothing.

Options:
  --stack <stack>  only this stack
  --apply          send them: POST .../deployments/settings (merged into the current settings)
  --replace        with --apply: PUT instead, so the settings are exactly these
  --api <url>      the API (default: PULUMI_BACKEND_URL when it is http(s), else ${"https://api.pulumi.com"})
  -h, --help       show this help

Environment: PULUMI_ACCESS_TOKEN (with --apply), and each secret the stack files name.`,
  options: {
    stack: { type: "string" },
    apply: { type: "boolean" },
    replace: { type: "boolean" },
    api: { type: "string" },
    help: HELP_OPTION,
  },
  run,
};
