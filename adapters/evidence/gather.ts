/**
 * Everything a promotion's rules ask for, fetched from its sources (docs/rules.md): CI checks of
 * the image's commit from GitHub, coverage and scan reports where CI publishes them, the
 * upstream's SLO, error budget, alerts and canary from the upstream's Prometheus, and how long the
 * upstream has run the tag from its promotion record. Only what the rules need is fetched; a source
 * that is not configured is unavailable with what to set, which fails the rule (fail closed).
 */
import type { EvidenceSources, PromotionRules } from "../../model/environment";
import { buildRef } from "../../rules/evidence/commit";
import {
  BUDGET_WINDOW,
  DEFAULT_QUERIES,
  fillQuery,
  type Evidence,
  type Measured,
} from "../../rules/evidence/evaluate";
import { readChecks, type GitHubTarget } from "./github";
import { firingCriticalAlerts, queryNumber } from "./prometheus";
import { readCoverage, readFindings, reportLocation } from "./reports";

export interface EvidenceRequest {
  rules: PromotionRules;
  app: string;
  tag: string;
  /** Where the reports are published (the target's `promotion:evidence.reports`). */
  reports: string;
  projectDir: string;
  /** The repository whose CI built the image; undefined without governance. */
  github?: GitHubTarget;
  upstream: {
    environment: string;
    /** The app's namespace in the upstream. */
    namespace: string;
    evidence: EvidenceSources;
    /** When the upstream started running the tag (its promotion record), if known. */
    since?: string;
  };
  now: Date;
}

function unavailable<T>(why: string, source: string): Measured<T> {
  return { unavailable: why, source };
}

export async function gatherEvidence(request: EvidenceRequest): Promise<Evidence> {
  const { rules, app, tag, upstream } = request;
  const evidence: Evidence = {};
  const jobs: Promise<void>[] = [];

  if (rules.checks.length > 0) {
    const ref = buildRef(tag);
    if ("none" in ref) evidence.checks = unavailable(ref.none, `the commit of ${tag}`);
    else if (!request.github) {
      evidence.checks = unavailable(
        "no repository: set promotion:governance.repository, whose CI builds the image",
        "GitHub checks",
      );
    } else {
      const github = request.github;
      jobs.push(readChecks(github, ref.ref, rules.checks).then((m) => void (evidence.checks = m)));
    }
  }
  const location = reportLocation(request.reports, app, tag);
  if (rules.coverage !== undefined) {
    jobs.push(readCoverage(location, request.projectDir).then((m) => void (evidence.coverage = m)));
  }
  if (rules.security) {
    jobs.push(readFindings(location, request.projectDir).then((m) => void (evidence.security = m)));
  }

  const prometheus = upstream.evidence.prometheus;
  const needsPrometheus =
    rules.slo !== undefined ||
    rules.errorBudget !== undefined ||
    rules.noCriticalAlerts ||
    rules.canary !== undefined;
  if (needsPrometheus && !prometheus) {
    const why = `${upstream.environment} has no Prometheus: set promotion:evidence.prometheus in Pulumi.${upstream.environment}.yaml`;
    const source = `${upstream.environment}'s metrics`;
    if (rules.slo) {
      evidence.availability = unavailable(why, source);
      evidence.errorRate = unavailable(why, source);
    }
    if (rules.errorBudget !== undefined) evidence.budgetAvailability = unavailable(why, source);
    if (rules.noCriticalAlerts) evidence.criticalAlerts = unavailable(why, source);
    if (rules.canary) {
      evidence.canaryTraffic = unavailable(why, source);
      evidence.canarySuccessRate = unavailable(why, source);
    }
  } else if (prometheus) {
    const query = (name: keyof typeof DEFAULT_QUERIES, window: string) =>
      fillQuery(upstream.evidence.queries[name] ?? DEFAULT_QUERIES[name], {
        namespace: upstream.namespace,
        app,
        window,
      });
    if (rules.slo) {
      const window = rules.slo.window;
      jobs.push(
        queryNumber(prometheus, query("availability", window)).then(
          (m) => void (evidence.availability = m),
        ),
        queryNumber(prometheus, query("errorRate", window)).then(
          (m) => void (evidence.errorRate = m),
        ),
      );
    }
    if (rules.errorBudget !== undefined) {
      jobs.push(
        queryNumber(prometheus, query("availability", BUDGET_WINDOW)).then(
          (m) => void (evidence.budgetAvailability = m),
        ),
      );
    }
    if (rules.noCriticalAlerts) {
      jobs.push(
        firingCriticalAlerts(prometheus, upstream.namespace).then(
          (m) => void (evidence.criticalAlerts = m),
        ),
      );
    }
    if (rules.canary) {
      const window = rules.canary.duration;
      jobs.push(
        queryNumber(prometheus, query("canaryTraffic", window)).then(
          (m) => void (evidence.canaryTraffic = m),
        ),
        queryNumber(prometheus, query("canarySuccessRate", window)).then(
          (m) => void (evidence.canarySuccessRate = m),
        ),
      );
    }
  }
  if (rules.canary) {
    const source = `${upstream.environment}'s promotion record of ${tag}`;
    const since = upstream.since ? Date.parse(upstream.since) : NaN;
    evidence.canaryDuration = Number.isFinite(since)
      ? { value: Math.max(0, Math.floor((request.now.getTime() - since) / 1000)), source }
      : unavailable(`no record of when ${upstream.environment} started running ${tag}`, source);
  }
  await Promise.all(jobs);
  return evidence;
}
