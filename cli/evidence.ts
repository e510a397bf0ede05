/**
 * A promotion's rules checked against its evidence (docs/rules.md): the target's `promotion:rules`,
 * each promoted app's image evidence (CI checks of its commit, the reports CI published) and the
 * upstream's (SLO, error budget, alerts, canary from its Prometheus; how long it has run the tag
 * from its promotion record). Used by `promote check` and by `promote` before it changes anything.
 */
import { gatherEvidence } from "../adapters/evidence/gather";
import { evaluateRules, rulesPass, rulesTable, type RuleResult } from "../rules/evidence/evaluate";
import { pulumiRecordReader, RecordsUnavailable } from "./deployed";
import type { CliIo } from "./io";
import type { StackState } from "./plan/state";

export interface AppRulesReport {
  app: string;
  tag: string;
  results: RuleResult[];
  passed: boolean;
}

export interface RulesCheck {
  from: string;
  to: string;
  reports: AppRulesReport[];
  passed: boolean;
  /** Said with the table (records that could not be read, ...). */
  notes: string[];
}

/** When `env` started running `tag` for `app`: its newest record of that tag. */
function runningSince(
  io: CliIo,
  env: string,
  app: string,
  tag: string,
  notes: string[],
): string | undefined {
  const read = io.readRecords ?? pulumiRecordReader(io.run, io.cwd, io.onPath("pulumi"));
  try {
    return read(env).records[app]?.find((r) => r.tag === tag)?.at;
  } catch (error) {
    if (!(error instanceof RecordsUnavailable)) throw error;
    notes.push(`${env}'s promotion records could not be read (${error.reason})`);
    return undefined;
  }
}

/**
 * Checks the rules of promoting `apps` (their tags in `source`) into `target`; undefined when the
 * target has no `promotion:rules`.
 */
export async function checkRules(
  io: CliIo,
  source: StackState,
  target: StackState,
  apps: readonly string[],
  now = new Date(),
): Promise<RulesCheck | undefined> {
  const rules = target.config.rules;
  if (!rules) return undefined;
  const env = io.env ?? process.env;
  const notes: string[] = [];
  const repository = target.config.governance?.repository;
  const reports: AppRulesReport[] = [];
  for (const app of apps) {
    const upstreamApp = source.config.apps.find((a) => a.name === app);
    if (!upstreamApp) continue;
    const tag = upstreamApp.tag;
    const evidence = await gatherEvidence({
      rules,
      app,
      tag,
      reports: target.config.evidence.reports,
      projectDir: io.cwd,
      github: repository && {
        owner: repository.owner,
        repo: repository.name,
        baseUrl: env.GITHUB_API_URL || undefined,
        token: env.GITHUB_TOKEN || env.GH_TOKEN || undefined,
      },
      upstream: {
        environment: source.config.environment,
        namespace: upstreamApp.namespace,
        evidence: source.config.evidence,
        since: rules.canary
          ? runningSince(io, source.config.environment, app, tag, notes)
          : undefined,
      },
      now,
    });
    const results = evaluateRules(rules, evidence);
    reports.push({ app, tag, results, passed: rulesPass(results) });
  }
  return {
    from: source.config.environment,
    to: target.config.environment,
    reports,
    passed: reports.every((r) => r.passed),
    notes,
  };
}

/** The check as text: one table per app, then the verdict. */
export function rulesCheckText(check: RulesCheck): string {
  const lines: string[] = [];
  for (const report of check.reports) {
    lines.push(
      `${report.app} ${report.tag}, ${check.from} -> ${check.to}: ${report.passed ? "the rules pass" : "REFUSED by the rules"}`,
      rulesTable(report.results),
      "",
    );
  }
  for (const note of check.notes) lines.push(`note: ${note}`);
  const failed = check.reports.flatMap((r) =>
    r.results.filter((x) => x.verdict === "fail").map((x) => `${r.app}: ${x.rule}`),
  );
  lines.push(
    check.passed
      ? `Promotion rules of ${check.to}: every rule passes.`
      : `Promotion rules of ${check.to}: ${failed.length} failed (${failed.join("; ")}).`,
  );
  return lines.join("\n");
}
