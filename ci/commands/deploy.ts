/**
 * `deploy`: run one stack's operation on Pulumi Deployments instead of on this machine, and wait
 * for its result: POST .../deployments (inheriting the stack's settings, pinned to --commit), then
 * GET .../deployments/{id} until it succeeded, failed or was skipped.
 */
import { loadStackFile, readProjectName } from "../../config/stackFiles";
import { ACCEPTED_DURATION, parseDuration } from "../../rules/gate";
import { isFinished, type StackAddress } from "../../rules/ci/deploymentSettings";
import { optional, required, type Values } from "../args";
import { CiFailure, EXIT_FAILED, EXIT_OK, UsageError } from "../errors";
import type { CiIo } from "../io";
import { summaryFile, writeResult } from "../output";
import { apiBase, PulumiCloud, type CreateDeployment, type DeploymentState } from "../pulumiCloud";
import { chainOrder } from "../stacks";
import { HELP_OPTION, type Command } from "./command";
import { accessToken } from "./settings";

const OPERATIONS = ["update", "preview", "refresh"] as const;

function duration(values: Values, name: string, fallback: string): number {
  const text = optional(values, name) ?? fallback;
  const seconds = parseDuration(text);
  if (seconds === undefined)
    throw new UsageError(`--${name} ${text}: accepted: ${ACCEPTED_DURATION}`);
  return seconds;
}

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

function stepsText(state: DeploymentState): string {
  const steps = (state.jobs ?? []).flatMap((job) => job.steps ?? []);
  return steps.map((s) => `${s.name}: ${s.status}`).join(", ");
}

async function run(values: Values, io: CiIo): Promise<number> {
  const stack = required(values, "stack", "the stack to deploy");
  const operation = optional(values, "operation") ?? "update";
  if (!(OPERATIONS as readonly string[]).includes(operation)) {
    throw new UsageError(`--operation ${operation}: accepted: ${OPERATIONS.join(", ")}`);
  }
  const commit = optional(values, "commit");
  if (commit !== undefined && !/^[0-9a-f]{7,40}$/.test(commit)) {
    throw new UsageError(
      `--commit ${commit}: accepted: a commit SHA (7 to 40 lowercase hex digits)`,
    );
  }
  const timeout = duration(values, "timeout", "60m");
  const interval = duration(values, "interval", "5s");
  const chain = chainOrder(io.cwd);
  if (!chain.includes(stack)) {
    throw new UsageError(
      `--stack ${stack}: there is no Pulumi.${stack}.yaml; accepted: ${chain.join(", ")}`,
    );
  }
  const config = loadStackFile(io.cwd, stack);
  if (!config.deployments) {
    throw new CiFailure(
      `stack "${stack}": promotion:deployments is not set, so Pulumi Deployments has no settings for it (docs/deployments.md)`,
    );
  }
  const address: StackAddress = {
    organization: config.deployments.organization,
    project: readProjectName(io.cwd),
    stack,
  };
  const cloud = new PulumiCloud(apiBase(optional(values, "api"), io.env), accessToken(io));
  const request: CreateDeployment = {
    operation: operation as CreateDeployment["operation"],
    inheritSettings: true,
    ...(commit ? { sourceContext: { git: { commit } } } : {}),
  };
  const created = await cloud.createDeployment(address, request);
  io.err(
    `deploy: ${stack}: ${operation} deployment ${created.version} created: ${created.consoleUrl}`,
  );

  const started = Date.now();
  let state: DeploymentState | undefined;
  let last = "";
  for (;;) {
    state = await cloud.deployment(address, created.id);
    const now = `${state.status} (${stepsText(state)})`;
    if (now !== last) io.err(`deploy: ${stack}: ${now}`);
    last = now;
    if (isFinished(state.status)) break;
    if ((Date.now() - started) / 1000 >= timeout) break;
    await sleep(interval);
  }
  const finished = isFinished(state.status);
  const ok = state.status === "succeeded";
  const verdict = !finished
    ? `still ${state.status} after ${optional(values, "timeout") ?? "60m"}: not waited for any longer (it may still finish)`
    : state.status;
  const summary = [
    `## Pulumi Deployments: ${operation} of ${stack}: ${ok ? "✅" : "❌"} ${verdict}`,
    "",
    `Deployment ${created.version} of \`${address.organization}/${address.project}/${stack}\`${commit ? ` at \`${commit}\`` : ""}: [the log in Pulumi Cloud](${created.consoleUrl})`,
    "",
    ...(state.jobs ?? []).flatMap((job) =>
      (job.steps ?? []).map((s) => `- ${s.name}: ${s.status}`),
    ),
    "",
  ].join("\n");
  const file = summaryFile(io, optional(values, "summary-file"));
  if (file) writeResult(io, file, summary, file === io.env.GITHUB_STEP_SUMMARY);
  else io.out(summary);
  if (!ok) io.err(`deploy: ${stack}: ${verdict}: ${created.consoleUrl}`);
  return ok ? EXIT_OK : EXIT_FAILED;
}

export const deployCommand: Command = {
  name: "deploy",
  summary: "run a stack's update on Pulumi Deployments and wait for its result",
  usage: `Usage: npm run ci -- deploy --stack <stack> [--operation update|preview|refresh] [--commit <sha>]
                          [--timeout 60m] [--interval 5s] [--summary-file F] [--api <url>]

Creates a Pulumi Deployments deployment of the stack (POST .../deployments, inheriting the settings
\`npm run ci -- settings --apply\` sent) and waits until it succeeded, failed or was skipped. Exit 0
when it succeeded; 1 when it failed, was skipped, or did not finish within --timeout.

Options:
  --stack <stack>       the stack (its stack file must set promotion:deployments)
  --operation <op>      update (default), preview or refresh
  --commit <sha>        deploy exactly this commit (in CI: the merged commit, $GITHUB_SHA)
  --timeout <duration>  how long to wait (default 60m; ${ACCEPTED_DURATION})
  --interval <duration> between two reads of its status (default 5s)
  --summary-file <F>    the job summary (default $GITHUB_STEP_SUMMARY, else stdout)
  --api <url>           the API (default: PULUMI_BACKEND_URL when it is http(s), else https://api.pulumi.com)
  -h, --help            show this help

Environment: PULUMI_ACCESS_TOKEN.`,
  options: {
    stack: { type: "string" },
    operation: { type: "string" },
    commit: { type: "string" },
    timeout: { type: "string" },
    interval: { type: "string" },
    "summary-file": { type: "string" },
    api: { type: "string" },
    help: HELP_OPTION,
  },
  run,
};
