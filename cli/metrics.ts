/**
 * Promotion metrics (seed 002 "Monitoring"), computed from what is on record: each environment's
 * promotion records (its stack outputs: what was deployed, when, by whom, of which kind) and the git
 * history of its stack file (what was attempted). Pure; rendered in Prometheus's text format through
 * prom-client, or as JSON.
 *
 * - attempts: commits that changed a tag without a rollback or hotfix bypass (a promotion, or CI's
 *   build for the first environment);
 * - successes: promotion records (the tag was deployed by an `up`);
 * - failures, by reason: "rolled back" (a later rollback moved away from the tag) and "never
 *   deployed" (a later commit replaced the tag before any `up` deployed it). Refusals by the gate
 *   or the rules happen before anything is committed, so no history holds them;
 * - rule overrides, by rule: promotions deployed although that promotion rule failed (the record's
 *   checks name the overridden rules, preflight/rules.ts), the failures by rule that went ahead;
 * - rollbacks and hotfixes: records of those kinds;
 * - lead time: from the first environment's record of a tag to each later environment's promotion
 *   record of it;
 * - time to recovery: from a record to the rollback record that replaced it.
 */
import { Counter, Gauge, Registry, Summary } from "prom-client";
import { overriddenRules } from "../rules/evidence/decide";
import type { PromotionRecord } from "../rules/record";
import type { StackVersion } from "./plan/history";

export interface EnvironmentMetrics {
  environment: string;
  attempts: number;
  successes: number;
  failures: { rolledBack: number; neverDeployed: number };
  /** Per promotion rule, the promotions deployed with it failed and overridden. */
  ruleOverrides: Record<string, number>;
  rollbacks: number;
  hotfixes: number;
  /** Seconds from the first environment's record of each tag to this environment's promotion. */
  leadTimes: { app: string; tag: string; seconds: number }[];
  /** Seconds from a record to the rollback that replaced it. */
  recoveries: { app: string; from: string; to: string; seconds: number }[];
}

export interface MetricsInput {
  /** Chain order, first environment first. */
  order: string[];
  /** Per environment, per app, records newest first; missing when they could not be read. */
  records: Map<string, Record<string, PromotionRecord[]>>;
  /** Per environment, its stack file's versions, newest first. */
  histories: Map<string, StackVersion[]>;
}

const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

function attemptsOf(versions: StackVersion[]) {
  const oldestFirst = [...versions].reverse();
  const attempts: { app: string; tag: string; date: string; replaced: boolean }[] = [];
  for (let i = 1; i < oldestFirst.length; i++) {
    const before = oldestFirst[i - 1].apps;
    const after = oldestFirst[i].apps;
    for (const [app, state] of Object.entries(after)) {
      if (!state.tag || state.tag === before[app]?.tag || state.bypass) continue;
      const replaced = oldestFirst.slice(i + 1).some((v) => v.apps[app]?.tag !== state.tag);
      attempts.push({ app, tag: state.tag, date: oldestFirst[i].date, replaced });
    }
  }
  return attempts;
}

export function promotionMetrics(input: MetricsInput): EnvironmentMetrics[] {
  const first = input.order[0];
  const firstRecords = input.records.get(first) ?? {};
  /** When the first environment first recorded each tag, per app. */
  const born = (app: string, tag: string): string | undefined =>
    (firstRecords[app] ?? [])
      .filter((r) => r.tag === tag)
      .map((r) => r.at)
      .sort()[0];
  return input.order.map((environment) => {
    const records = input.records.get(environment) ?? {};
    const all = Object.entries(records).flatMap(([app, list]) => list.map((r) => ({ app, ...r })));
    const attempts = attemptsOf(input.histories.get(environment) ?? []);
    const deployed = (app: string, tag: string) => (records[app] ?? []).some((r) => r.tag === tag);
    const leadTimes: EnvironmentMetrics["leadTimes"] = [];
    if (environment !== first) {
      for (const r of all.filter((x) => x.kind === "promotion")) {
        const start = born(r.app, r.tag);
        if (start !== undefined)
          leadTimes.push({ app: r.app, tag: r.tag, seconds: seconds(start, r.at) });
      }
    }
    const recoveries: EnvironmentMetrics["recoveries"] = [];
    let rolledBack = 0;
    for (const [app, list] of Object.entries(records)) {
      list.forEach((record, index) => {
        const previous = list[index + 1];
        if (record.kind !== "rollback" || !previous) return;
        rolledBack += 1;
        recoveries.push({
          app,
          from: previous.tag,
          to: record.tag,
          seconds: seconds(previous.at, record.at),
        });
      });
    }
    const ruleOverrides: Record<string, number> = {};
    for (const r of all.filter((x) => x.kind === "promotion")) {
      for (const rule of overriddenRules(r.checks)) {
        ruleOverrides[rule] = (ruleOverrides[rule] ?? 0) + 1;
      }
    }
    return {
      environment,
      attempts: attempts.length,
      successes: all.filter((r) => r.kind === "promotion").length,
      failures: {
        rolledBack,
        neverDeployed: attempts.filter((a) => a.replaced && !deployed(a.app, a.tag)).length,
      },
      ruleOverrides,
      rollbacks: all.filter((r) => r.kind === "rollback").length,
      hotfixes: all.filter((r) => r.kind === "hotfix").length,
      leadTimes,
      recoveries,
    };
  });
}

/** The metrics in Prometheus's text exposition format. */
export async function prometheusText(metrics: EnvironmentMetrics[]): Promise<string> {
  const registry = new Registry();
  const counter = (name: string, help: string, labelNames: string[] = ["environment"]) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const attempts = counter(
    "promotion_attempts_total",
    "Tag changes committed to the stack file (promotions and builds).",
  );
  const successes = counter(
    "promotion_successes_total",
    "Promotions deployed (promotion records).",
  );
  const failures = counter("promotion_failures_total", "Attempts that failed, by reason.", [
    "environment",
    "reason",
  ]);
  const overrides = counter(
    "promotion_rule_overrides_total",
    "Promotions deployed although this promotion rule failed (overridden with a reason).",
    ["environment", "rule"],
  );
  const rollbacks = counter("promotion_rollbacks_total", "Rollback records.");
  const hotfixes = counter("promotion_hotfixes_total", "Hotfix records.");
  const lead = new Summary({
    name: "promotion_lead_time_seconds",
    help: "Seconds from the first environment's record of a tag to its promotion here.",
    labelNames: ["environment"],
    percentiles: [0.5, 0.9],
    registers: [registry],
  });
  const mttr = new Gauge({
    name: "promotion_mean_time_to_recovery_seconds",
    help: "Mean seconds from a record to the rollback that replaced it.",
    labelNames: ["environment"],
    registers: [registry],
  });
  for (const m of metrics) {
    const environment = m.environment;
    attempts.inc({ environment }, m.attempts);
    successes.inc({ environment }, m.successes);
    failures.inc({ environment, reason: "rolled back" }, m.failures.rolledBack);
    failures.inc({ environment, reason: "never deployed" }, m.failures.neverDeployed);
    for (const [rule, count] of Object.entries(m.ruleOverrides)) {
      overrides.inc({ environment, rule }, count);
    }
    rollbacks.inc({ environment }, m.rollbacks);
    hotfixes.inc({ environment }, m.hotfixes);
    for (const l of m.leadTimes) lead.observe({ environment }, l.seconds);
    if (m.recoveries.length > 0) {
      mttr.set(
        { environment },
        m.recoveries.reduce((sum, r) => sum + r.seconds, 0) / m.recoveries.length,
      );
    }
  }
  return registry.metrics();
}
