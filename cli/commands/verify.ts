/**
 * `verify`: after an `up`, check that an environment really runs what its stack file pins, and roll
 * it back by itself when it does not (seed 002 §4, seed 004's deployment verification): wait
 * (bounded) until each Application is Synced and Healthy on its pinned artifact, probe the smoke
 * endpoints, watch the environment's SLO and critical alerts for a while; on a failure, prepare the
 * rollback exactly as `promote rollback` does (the previous tag, with a rollback bypass whose reason
 * is the failed evidence, on a new branch with a pull request). It never deploys and never pushes to
 * a shared branch itself: the rollback is merged and deployed like any other change, by CI, with the
 * policy pack and in CI's concurrency group.
 */
import { firingCriticalAlerts, queryNumber } from "../../adapters/evidence/prometheus";
import type { AppConfig } from "../../model/environment";
import { BUDGET_WINDOW, DEFAULT_QUERIES, fillQuery } from "../../rules/evidence/evaluate";
import { deploymentState, pinLabel, sloBreach } from "../../rules/evidence/verify";
import { ACCEPTED_DURATION, parseDuration } from "../../rules/gate";
import { optional, required, type Values } from "../args";
import { liveKey } from "../dashboard/model";
import { readLive } from "../dashboard/live";
import { Refused, UsageError } from "../errors";
import { EXIT_OK, EXIT_REFUSED } from "../exitCodes";
import type { CliIo } from "../io";
import { loadStatesFromBranches } from "../branches";
import type { StackState } from "../plan/state";
import { promoteCommandLine } from "../shell";
import { gitFor } from "./change";
import { rollbackCommand } from "./rollback";
import { HELP_OPTION, type Command } from "./command";

const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

function seconds(values: Values, name: string, fallback: number): number {
  const text = optional(values, name);
  if (text === undefined) return fallback;
  const value = parseDuration(text);
  if (value === undefined)
    throw new UsageError(`--${name} ${JSON.stringify(text)}; accepted: ${ACCEPTED_DURATION}`);
  return value;
}

/** Waits until every app runs its pinned artifact Synced and Healthy; the failure, or undefined. */
async function waitForDeployment(
  io: CliIo,
  state: StackState,
  timeout: number,
  interval: number,
): Promise<string | undefined> {
  const env = state.config.environment;
  const started = Date.now();
  for (;;) {
    const live = await (io.readLive ?? readLive)([state]);
    const waiting: string[] = [];
    for (const app of state.config.apps) {
      const application = live.get(liveKey(env, app.name)) ?? {
        readable: false as const,
        why: `${app.name}: not read`,
      };
      // The app as the stack file pins it: with its digest, when pinned, as Argo CD deploys it.
      const verdict = deploymentState(application, app);
      const pinned = `${app.name} ${pinLabel(app)}`;
      if (verdict.state === "failed") return `${pinned}: ${verdict.why}`;
      if (verdict.state === "waiting") waiting.push(`${pinned}: ${verdict.why}`);
    }
    if (waiting.length === 0) return undefined;
    if ((Date.now() - started) / 1000 >= timeout) {
      return `not Synced and Healthy on the pinned images within ${timeout}s: ${waiting.join("; ")}`;
    }
    io.err(`verify: waiting: ${waiting.join("; ")}`);
    await sleep(interval);
  }
}

async function smokeChecks(urls: readonly string[]): Promise<string | undefined> {
  for (const url of urls) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (!response.ok) return `smoke check ${url} answered ${response.status}`;
    } catch (error) {
      const cause =
        error instanceof Error && error.cause instanceof Error
          ? error.cause.message
          : String(error);
      return `smoke check ${url} did not answer (${cause})`;
    }
  }
  return undefined;
}

/** Watches the environment's SLO and critical alerts for `watch` seconds; the failure, or undefined. */
async function watchSlo(
  io: CliIo,
  state: StackState,
  interval: number,
): Promise<string | undefined> {
  const { verification, evidence, environment } = state.config;
  if (verification.watchSeconds === 0 || !verification.slo) return undefined;
  const prometheus = evidence.prometheus;
  if (!prometheus)
    return `cannot watch ${environment}'s SLO: set promotion:evidence.prometheus in its stack file`;
  const slo = verification.slo;
  const until = Date.now() + verification.watchSeconds * 1000;
  const query = async (name: "availability" | "errorRate", app: AppConfig, window: string) =>
    queryNumber(
      prometheus,
      fillQuery(evidence.queries[name] ?? DEFAULT_QUERIES[name], {
        namespace: app.namespace,
        app: app.name,
        window,
      }),
    );
  for (;;) {
    for (const app of state.config.apps) {
      const availability = await query("availability", app, slo.window);
      if ("unavailable" in availability)
        return `${app.name}: availability unavailable: ${availability.unavailable}`;
      const errorRate = await query("errorRate", app, slo.window);
      if ("unavailable" in errorRate)
        return `${app.name}: error rate unavailable: ${errorRate.unavailable}`;
      let budgetAvailability: number | undefined;
      if (verification.errorBudget !== undefined) {
        const budget = await query("availability", app, BUDGET_WINDOW);
        if ("unavailable" in budget)
          return `${app.name}: error budget unavailable: ${budget.unavailable}`;
        budgetAvailability = budget.value;
      }
      const alerts = await firingCriticalAlerts(prometheus, app.namespace);
      if ("unavailable" in alerts) return `critical alerts unavailable: ${alerts.unavailable}`;
      const breach = sloBreach(
        {
          app: app.name,
          availability: availability.value,
          errorRate: errorRate.value,
          budgetAvailability,
          criticalAlerts: alerts.value,
        },
        slo,
        verification.errorBudget,
      );
      if (breach) return breach;
    }
    if (Date.now() >= until) return undefined;
    io.err(`verify: ${environment}'s SLO holds; watching until ${new Date(until).toISOString()}`);
    await sleep(Math.min(interval, Math.max(0, (until - Date.now()) / 1000)));
  }
}

/**
 * `promotion:verification.rollback: push` asked for a commit pushed to the checked-out branch and a
 * local `up` from the working tree: outside review, the policy pack and CI's concurrency group. The
 * automatic rollback is now always a pull request, so the setting is refused rather than quietly
 * read as `pr`: whoever set it expects the environment back without a merge.
 */
function refusePushRollback(state: StackState): void {
  if (state.config.verification.rollback !== "push") return;
  throw new Refused(
    `${state.config.environment} (${state.file}): promotion:verification.rollback is "push", which ` +
      `verify no longer does (a commit pushed to the checked-out branch, then an up from the working ` +
      `tree); accepted: pr (the default, or leave the key out): the automatic rollback is a pull ` +
      `request opened as \`npm run promote -- rollback\` opens one, deployed by CI once merged`,
  );
}

/**
 * The automatic rollback: `promote rollback --env <env> --reason <the failure>` itself (its plan,
 * its steps: a clean tree, a new branch rollback-<env>-<tag> from the environment's branch, the
 * commit, the push of that branch, the pull request, back to the starting branch). Verification
 * failed either way, so this exits 1 whether the pull request was prepared or refused.
 */
async function rollBack(
  io: CliIo,
  env: string,
  failure: string,
  commandLine: string,
): Promise<number> {
  const reason = `automatic rollback: verification failed: ${failure}`;
  io.err(`verify: preparing ${env}'s rollback as a pull request, as promote rollback does`);
  const byHand = () =>
    io.err(
      `verify: no rollback was prepared; roll ${env} back by hand: ${promoteCommandLine(["rollback", "--env", env, "--reason", reason])}`,
    );
  let code: number;
  try {
    code = await rollbackCommand.run({ env, reason }, io, commandLine);
  } catch (error) {
    // A refusal thrown before any step (no repository, a broken stack file on a branch): the
    // caller prints it; the way out is printed first so it is not lost.
    byHand();
    throw error;
  }
  if (code !== EXIT_OK) byHand();
  return EXIT_REFUSED;
}

async function run(values: Values, io: CliIo, commandLine: string): Promise<number> {
  const env = required(values, "env");
  // The stack files as the rollback reads them (each from the branch that feeds its environment),
  // so what is verified is what a failure rolls back from.
  const { states } = loadStatesFromBranches(io.cwd, gitFor(io, false));
  const state = states.find((s) => s.config.environment === env);
  if (!state) {
    throw new Refused(
      `unknown environment "${env}"; accepted: ${states.map((s) => s.config.environment).join(", ")}`,
    );
  }
  if (state.config.kubernetes.mode !== "cluster") {
    throw new Refused(
      `${env} renders manifests to ${state.config.kubernetes.directory}: there is no cluster to verify (set promotion:kubeconfig or kubeContext)`,
    );
  }
  if (state.config.engine !== "argocd") {
    throw new Refused(
      `${env} runs on ${state.config.engine}: verify reads Argo CD Applications; a Flux environment's Kustomization and HelmRelease are not read yet (docs/rules.md#verification)`,
    );
  }
  // Before waiting: a setting that cannot be honoured is refused now, not after the timeout.
  refusePushRollback(state);
  const verification = state.config.verification;
  const timeout = seconds(values, "timeout", verification.timeoutSeconds);
  const interval = seconds(values, "interval", 5);
  const failure =
    (await waitForDeployment(io, state, timeout, interval)) ??
    (await smokeChecks(verification.smoke)) ??
    (await watchSlo(io, state, interval));
  if (failure === undefined) {
    io.out(
      `${env} verified: ${state.config.apps.map((a) => `${a.name} ${pinLabel(a)}`).join(", ")} Synced and Healthy${verification.smoke.length ? ", smoke checks passed" : ""}${verification.watchSeconds && verification.slo ? `, SLO held for ${verification.watch}` : ""}.`,
    );
    return EXIT_OK;
  }
  io.err(`verify: ${env} failed verification: ${failure}`);
  if (values["no-rollback"] === true) return EXIT_REFUSED;
  return rollBack(io, env, failure, commandLine);
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "check an environment runs what it pins after an up; open its rollback PR if not",
  usage: `Usage: npm run promote -- verify --env <env> [--timeout 10m] [--interval 5s] [--no-rollback]

After \`up\`: waits until each Application of <env> is Synced and Healthy on the artifact its stack
file pins (image@sha256:... when a digest is pinned, else image:tag; failing at once when Degraded,
or after --timeout, default promotion:verification.timeout or 10m), probes
promotion:verification.smoke, then watches <env>'s SLO (promotion:verification.slo on
promotion:evidence.prometheus), its error budget (promotion:verification.errorBudget) and critical
alerts for promotion:verification.watch. On a failure it prepares the rollback exactly as
\`promote rollback\` does: the tag <env> ran before, with a rollback bypass whose reason is the
failed evidence, on a new branch rollback-<env>-<tag> pushed to origin, with a pull request (gh), or
its title and body printed. It never deploys and never pushes to the checked-out branch: CI
deploys the rollback once merged. promotion:verification.rollback accepts pr only (push is
refused). docs/rules.md#verification.

Options:
  --env ENV          the environment to verify (cluster mode)
  --timeout D        how long the Applications may take (${ACCEPTED_DURATION})
  --interval D       between two reads (default 5s)
  --no-rollback      report the failure, change nothing
  -h, --help         show this help

Exit 0 when verified; 1 when it failed (rollback prepared, refused, or not with --no-rollback);
2 usage error.`,
  options: {
    env: { type: "string" },
    timeout: { type: "string" },
    interval: { type: "string" },
    "no-rollback": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
