/**
 * Promotion rules against evidence (docs/rules.md): one row per rule with what was measured, the
 * threshold and the verdict. Evidence that could not be fetched fails the rule with the reason
 * (fail closed); it never passes silently. Required approvals cannot be measured before the pull
 * request exists: they are reported as enforced at review (CODEOWNERS and the GitHub environment's
 * reviewers, which config/promotionRules.ts requires to include them).
 */
import type { EvidenceQuery, PromotionRules } from "../../model/environment";
import type { SeverityCounts } from "./reports";

/** A measurement, or why it could not be made; `source` says where it came from. */
export type Measured<T> = { value: T; source: string } | { unavailable: string; source: string };

/** The state of a named CI check on the image's commit. */
export type CheckState = "success" | "failure" | "pending" | "missing";

export interface Evidence {
  /** Per required check name. */
  checks?: Measured<Record<string, CheckState>>;
  coverage?: Measured<number>;
  security?: Measured<SeverityCounts>;
  availability?: Measured<number>;
  errorRate?: Measured<number>;
  /** Availability over the error budget's 30 days, percent. */
  budgetAvailability?: Measured<number>;
  /** Names of critical alerts firing. */
  criticalAlerts?: Measured<string[]>;
  canaryTraffic?: Measured<number>;
  /** Seconds the upstream has run the tag. */
  canaryDuration?: Measured<number>;
  canarySuccessRate?: Measured<number>;
}

export type Verdict = "pass" | "fail" | "review";

export interface RuleResult {
  rule: string;
  measured: string;
  threshold: string;
  verdict: Verdict;
  /** Where the measurement came from, or why there is none. */
  source: string;
}

/** The error budget window (SRE practice: 30 days). */
export const BUDGET_WINDOW = "30d";

/** PromQL queries, with {namespace}, {app} and {window} to fill in; percentages 0-100. */
export const DEFAULT_QUERIES: Record<EvidenceQuery, string> = {
  availability:
    '100 * (1 - (sum(rate(http_requests_total{namespace="{namespace}",app="{app}",code=~"5.."}[{window}])) or vector(0)) / sum(rate(http_requests_total{namespace="{namespace}",app="{app}"}[{window}])))',
  errorRate:
    '100 * (sum(rate(http_requests_total{namespace="{namespace}",app="{app}",code=~"5.."}[{window}])) or vector(0)) / sum(rate(http_requests_total{namespace="{namespace}",app="{app}"}[{window}]))',
  canaryTraffic:
    '100 * sum(rate(http_requests_total{namespace="{namespace}",app="{app}",track="canary"}[{window}])) / sum(rate(http_requests_total{app="{app}",track=~"canary|stable"}[{window}]))',
  canarySuccessRate:
    '100 * (1 - (sum(rate(http_requests_total{namespace="{namespace}",app="{app}",track="canary",code=~"5.."}[{window}])) or vector(0)) / sum(rate(http_requests_total{namespace="{namespace}",app="{app}",track="canary"}[{window}])))',
};

export function fillQuery(
  query: string,
  values: { namespace: string; app: string; window: string },
): string {
  return query
    .replace(/\{namespace\}/g, values.namespace)
    .replace(/\{app\}/g, values.app)
    .replace(/\{window\}/g, values.window);
}

const pct = (n: number): string => `${Math.round(n * 1000) / 1000}%`;

function seconds(total: number): string {
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h > 0 ? `${h}h${m > 0 ? `${m}m` : ""}` : `${m}m${Math.floor(total % 60)}s`;
}

function row<T>(
  rule: string,
  threshold: string,
  measured: Measured<T> | undefined,
  show: (value: T) => string,
  passes: (value: T) => boolean,
): RuleResult {
  if (!measured) {
    return {
      rule,
      threshold,
      measured: "not measured",
      verdict: "fail",
      source: "no evidence was gathered",
    };
  }
  if ("unavailable" in measured) {
    return {
      rule,
      threshold,
      measured: "unavailable",
      verdict: "fail",
      source: `${measured.source}: ${measured.unavailable}`,
    };
  }
  return {
    rule,
    threshold,
    measured: show(measured.value),
    verdict: passes(measured.value) ? "pass" : "fail",
    source: measured.source,
  };
}

/** Every rule of `rules` against `evidence`, in the order of seed 002's table. */
export function evaluateRules(rules: PromotionRules, evidence: Evidence): RuleResult[] {
  const results: RuleResult[] = [];
  for (const name of rules.checks) {
    results.push(
      row(
        `check ${name}`,
        "succeeded",
        evidence.checks,
        (c) => c[name] ?? "missing",
        (c) => c[name] === "success",
      ),
    );
  }
  if (rules.coverage !== undefined) {
    const min = rules.coverage;
    results.push(row("coverage", `≥ ${pct(min)}`, evidence.coverage, pct, (v) => v >= min));
  }
  if (rules.security) {
    const { maxHigh, maxCritical } = rules.security;
    results.push(
      row(
        "security: critical findings",
        `≤ ${maxCritical}`,
        evidence.security,
        (v) => String(v.critical),
        (v) => v.critical <= maxCritical,
      ),
      row(
        "security: high findings",
        `≤ ${maxHigh}`,
        evidence.security,
        (v) => String(v.high),
        (v) => v.high <= maxHigh,
      ),
    );
  }
  if (rules.slo) {
    const { availability, errorRate, window } = rules.slo;
    results.push(
      row(
        `availability over ${window}`,
        `≥ ${pct(availability)}`,
        evidence.availability,
        pct,
        (v) => v >= availability,
      ),
      row(
        `error rate over ${window}`,
        `≤ ${pct(errorRate)}`,
        evidence.errorRate,
        pct,
        (v) => v <= errorRate,
      ),
    );
  }
  if (rules.errorBudget !== undefined) {
    const max = rules.errorBudget;
    const target = rules.slo?.availability;
    if (target === undefined || target >= 100) {
      results.push({
        rule: "error budget consumed",
        threshold: `< ${pct(max)}`,
        measured: "no budget",
        verdict: "fail",
        source: "the error budget needs rules.slo.availability below 100%",
      });
    } else {
      results.push(
        row(
          `error budget consumed (${BUDGET_WINDOW})`,
          `< ${pct(max)}`,
          evidence.budgetAvailability,
          (v) => pct(budgetConsumed(v, target)),
          (v) => budgetConsumed(v, target) < max,
        ),
      );
    }
  }
  if (rules.noCriticalAlerts) {
    results.push(
      row(
        "critical alerts firing",
        "none",
        evidence.criticalAlerts,
        (v) => (v.length === 0 ? "none" : v.join(", ")),
        (v) => v.length === 0,
      ),
    );
  }
  if (rules.canary) {
    const { traffic, duration, durationSeconds, successRate } = rules.canary;
    results.push(
      row("canary traffic", `≥ ${pct(traffic)}`, evidence.canaryTraffic, pct, (v) => v >= traffic),
      row(
        "canary duration",
        `≥ ${duration}`,
        evidence.canaryDuration,
        seconds,
        (v) => v >= durationSeconds,
      ),
      row(
        "canary success rate",
        `≥ ${pct(successRate)}`,
        evidence.canarySuccessRate,
        pct,
        (v) => v >= successRate,
      ),
    );
  }
  if (rules.approvals.length > 0) {
    results.push({
      rule: "approvals",
      threshold: rules.approvals.join(", "),
      measured: "at review",
      verdict: "review",
      source: "enforced on the pull request by CODEOWNERS and the GitHub environment's reviewers",
    });
  }
  return results;
}

/** Percent of the error budget used: unavailability over the budget the SLO allows. */
export function budgetConsumed(availability: number, target: number): number {
  return (Math.max(0, 100 - availability) / (100 - target)) * 100;
}

export function rulesPass(results: readonly RuleResult[]): boolean {
  return results.every((r) => r.verdict !== "fail");
}

/** The table `promote check` prints (seed 002's validate-promotion-requirements.sh). */
export function rulesTable(results: readonly RuleResult[]): string {
  const header = ["RULE", "MEASURED", "THRESHOLD", "RESULT", "SOURCE"];
  const rows = results.map((r) => [
    r.rule,
    r.measured,
    r.threshold,
    r.verdict === "pass" ? "pass" : r.verdict === "fail" ? "FAIL" : "at review",
    r.source,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((cells) =>
      cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  "),
    )
    .join("\n");
}
