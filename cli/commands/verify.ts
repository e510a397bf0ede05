/**
 * `verify`: after an `up`, check that an environment really runs what its stack file pins, and roll
 * it back by itself when it does not (seed 002 §4, seed 004's deployment verification): wait
 * (bounded) until each Application is Synced and Healthy on its pinned image, probe the smoke
 * endpoints, watch the environment's SLO and critical alerts for a while; on a failure, roll back as
 * a git change (rollback's plan: the previous tag, with a rollback bypass whose reason is the
 * failed evidence) by pull request or, where promotion:verification.rollback is push, by a commit
 * pushed to the branch followed by an up.
 */
import * as fs from "fs";
import * as path from "path";
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
import { loadStates } from "../load";
import { planRollback } from "../plan/rollback";
import type { StackState } from "../plan/state";
import { editStackText } from "../stackText";
import { carryOut, gitFor } from "./change";
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

/** Runs scripts/stack.sh up <env> in the project directory. */
function stackUp(io: CliIo): (env: string) => Promise<void> {
  return (env) => {
    io.run(path.join(io.cwd, "scripts", "stack.sh"), ["up", env], { cwd: io.cwd });
    return Promise.resolve();
  };
}

/** The rollback as a commit pushed to the current branch, then an up. */
async function pushRollback(
  io: CliIo,
  states: StackState[],
  state: StackState,
  reason: string,
): Promise<number> {
  const git = gitFor(io, true);
  const planned = planRollback(states, git.stackHistory(state.file), {
    env: state.config.environment,
    reason,
  });
  if (!("plan" in planned)) {
    io.err(
      `verify: no automatic rollback: ${"refused" in planned ? planned.refused : planned.nothingToDo}`,
    );
    return EXIT_REFUSED;
  }
  const { plan } = planned;
  const file = path.join(io.cwd, plan.file);
  fs.writeFileSync(file, editStackText(fs.readFileSync(file, "utf8"), plan.file, plan.edits));
  git.git("commit", "--quiet", "-m", plan.commitSubject, "-m", plan.commitBody, "--", plan.file);
  const branch = git.currentBranch();
  if (branch && git.remotes().includes("origin")) git.git("push", "--quiet", "origin", branch);
  io.out(
    `Rolled back ${plan.env}: ${plan.commitSubject} (pushed to ${branch ?? "HEAD"}); deploying it.`,
  );
  await (io.up ?? stackUp(io))(plan.env);
  io.out(`Deployed the rollback of ${plan.env}.`);
  return EXIT_REFUSED;
}

async function run(values: Values, io: CliIo, commandLine: string): Promise<number> {
  const env = required(values, "env");
  const states = loadStates(io.cwd);
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
  const reason = `automatic rollback: verification failed: ${failure}`;
  if (verification.rollback === "push") return pushRollback(io, states, state, reason);
  const git = gitFor(io, true);
  const planned = planRollback(states, git.stackHistory(state.file), { env, reason });
  carryOut(planned, states, io, git, false, commandLine);
  return EXIT_REFUSED;
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "check an environment runs what it pins after an up; roll it back by itself if not",
  usage: `Usage: npm run promote -- verify --env <env> [--timeout 10m] [--interval 5s] [--no-rollback]

After \`up\`: waits until each Application of <env> is Synced and Healthy on the image its stack file
pins (failing at once when Degraded, or after --timeout, default promotion:verification.timeout or
10m), probes promotion:verification.smoke, then watches <env>'s SLO (promotion:verification.slo on
promotion:evidence.prometheus), its error budget (promotion:verification.errorBudget) and critical
alerts for promotion:verification.watch. On a failure it
rolls back: the tag <env> ran before, with a rollback bypass whose reason is the failed evidence,
by pull request, or (promotion:verification.rollback: push) committed and pushed to the branch and
deployed with scripts/stack.sh up. docs/rules.md#verification.

Options:
  --env ENV          the environment to verify (cluster mode)
  --timeout D        how long the Applications may take (${ACCEPTED_DURATION})
  --interval D       between two reads (default 5s)
  --no-rollback      report the failure, change nothing
  -h, --help         show this help

Exit 0 when verified; 1 when it failed (rolled back, or not with --no-rollback); 2 usage error.`,
  options: {
    env: { type: "string" },
    timeout: { type: "string" },
    interval: { type: "string" },
    "no-rollback": { type: "boolean" },
    help: HELP_OPTION,
  },
  run,
};
