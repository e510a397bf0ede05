/**
 * The promotion rules at preview and up (docs/rules.md#the-gate): for an app the gate allows as a
 * promotion, gathers the evidence the target's `promotion:rules` ask for (CI checks from GitHub,
 * the reports CI published, the upstream's Prometheus, how long the upstream has run the tag) and
 * lets rules/evidence decide. The same evidence and rules as `promote check`, so a promotion the
 * CLI refused, pushed by hand, is refused here too; and an override is written in the stack file,
 * reviewed with it, and recorded.
 */
import { gatherEvidence } from "../adapters/evidence/gather";
import type { EvidenceGitHubAccess } from "../config";
import type { AppConfig, EnvironmentConfig } from "../model/environment";
import { decideRules, type RulesAllowed } from "../rules/evidence/decide";
import { evaluateRules } from "../rules/evidence/evaluate";
import { FIRST_ENVIRONMENT_SOURCE, type PromotionRecord } from "../rules/record";
import { refuse, type Verdict } from "../rules/verdict";

export interface AppRulesInput {
  config: EnvironmentConfig;
  app: AppConfig;
  /**
   * The upstream's stack file, validated, or why it could not be read; undefined for the first
   * environment, whose rules ask only for the image's own evidence (config/promotionRules.ts).
   */
  upstream: EnvironmentConfig | { unreadable: string } | undefined;
  /** The upstream's records of this app (its `promotionRecords` output), newest first. */
  upstreamRecords: readonly PromotionRecord[];
  github: EvidenceGitHubAccess;
  projectDir: string;
  now: Date;
}

/** The rules' verdict on promoting `app` into `config`'s environment; allowed without rules. */
export async function checkAppRules(input: AppRulesInput): Promise<Verdict<RulesAllowed>> {
  const { config, app, upstream } = input;
  const rules = config.rules;
  if (!rules) return { allowed: true, value: { checks: "" } };
  const from = config.upstream ?? FIRST_ENVIRONMENT_SOURCE;
  if (upstream && "unreadable" in upstream) {
    // Fail closed: the upstream's Prometheus and queries are in the file that cannot be read.
    return refuse({
      stack: config.environment,
      key: `promotion:apps.${app.name}.tag`,
      value: app.tag,
      reason: `${config.environment} cannot check its promotion rules for ${app.tag}: ${upstream.unreadable}`,
      accepted: `a readable Pulumi.${config.upstream}.yaml, where ${config.upstream}'s evidence sources are`,
    });
  }
  const repository = config.governance?.repository;
  const upstreamApp = upstream?.apps.find((a) => a.name === app.name);
  const evidence = await gatherEvidence({
    rules,
    app: app.name,
    tag: app.tag,
    reports: config.evidence.reports,
    projectDir: input.projectDir,
    github: repository && {
      owner: repository.owner,
      repo: repository.name,
      baseUrl: input.github.baseUrl,
      token: input.github.token,
    },
    upstream: {
      environment: from,
      namespace: upstreamApp?.namespace ?? app.namespace,
      evidence: upstream?.evidence ?? { reports: config.evidence.reports, queries: {} },
      since: input.upstreamRecords.find((r) => r.tag === app.tag)?.at,
    },
    now: input.now,
  });
  return decideRules({
    environment: config.environment,
    app: app.name,
    tag: app.tag,
    from,
    results: evaluateRules(rules, evidence),
    // An override covers only the tag it was written for (config refuses a stale one too).
    override: app.overrideRules?.tag === app.tag ? app.overrideRules.reason : undefined,
  });
}
