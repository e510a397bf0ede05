/**
 * The promotion gate's verdict on an app's promotion rules (docs/rules.md#the-gate): the rules'
 * results as `promote check` evaluates them, turned into a refusal that names every failed rule,
 * or into what the promotion record says (how many rules passed, or which failed and why they were
 * overridden). A stack file's `overrideRules` reason lets a failed promotion through, on record.
 */
import { FIRST_ENVIRONMENT_SOURCE } from "../record";
import { allow, refuse, type Verdict } from "../verdict";
import type { RuleResult } from "./evaluate";

export interface RulesDecisionInput {
  environment: string;
  app: string;
  tag: string;
  /** The upstream the tag comes from. */
  from: string;
  results: readonly RuleResult[];
  /** The app's `overrideRules` reason in the stack file, if any. */
  override?: string;
}

export interface RulesAllowed {
  /** For the record's `checks`: the rules as checked. */
  checks: string;
  /** For the record's `reason` when an override let failed rules through. */
  reason?: string;
  /** Said as a warning of the run when failed rules were overridden. */
  warning?: string;
}

/** `availability over 1h 99.667% (needs ≥ 99.9%; Prometheus ...)`. */
function describeFailure(result: RuleResult): string {
  const measured = result.measured === "unavailable" ? "unavailable" : result.measured;
  return `${result.rule} ${measured} (needs ${result.threshold}; ${result.source})`;
}

function counted(results: readonly RuleResult[]): string {
  const passed = results.filter((r) => r.verdict === "pass").length;
  const review = results.filter((r) => r.verdict === "review").length;
  const failed = results.filter((r) => r.verdict === "fail").length;
  return [
    `${passed} passed`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(review > 0 ? [`${review} at review`] : []),
  ].join(", ");
}

const OVERRIDDEN = "overridden (";

/**
 * The rules a promotion record's `checks` says were overridden (what decideRules wrote), for the
 * metrics; [] when none were. Rule names hold no ", " and their own parentheses only at the end.
 */
export function overriddenRules(checks: string | undefined): string[] {
  const at = checks?.lastIndexOf(OVERRIDDEN) ?? -1;
  if (!checks || at === -1 || !checks.endsWith(")")) return [];
  return checks
    .slice(at + OVERRIDDEN.length, -1)
    .split(", ")
    .filter((rule) => rule !== "");
}

export function decideRules(input: RulesDecisionInput): Verdict<RulesAllowed> {
  const { environment, app, tag, from, results } = input;
  const failed = results.filter((r) => r.verdict === "fail");
  if (failed.length === 0) return allow({ checks: `promotion rules: ${counted(results)}` });
  const failures = failed.map(describeFailure).join("; ");
  const override = input.override?.trim();
  if (override) {
    return allow({
      checks: `promotion rules: ${counted(results)}, ${OVERRIDDEN}${failed.map((r) => r.rule).join(", ")})`,
      reason: `promotion rules overridden: ${override}`,
      warning: `${environment} takes ${tag} for ${app} although ${failed.length === 1 ? "a promotion rule fails" : `${failed.length} promotion rules fail`} (${failures}); overridden: ${override}`,
    });
  }
  // The first environment takes builds from CI, not through `promote`.
  const viaCli = from !== FIRST_ENVIRONMENT_SOURCE;
  const checkCommand = viaCli
    ? ` (see \`npm run promote -- check --from ${from} --to ${environment}\`)`
    : "";
  const overrideCommand = viaCli ? ` (\`promote --override-rules "<reason>"\` writes it)` : "";
  return refuse({
    stack: environment,
    key: `promotion:apps.${app}.tag`,
    value: tag,
    reason: `${environment} cannot take ${tag} from ${from}: ${failed.length === 1 ? "a promotion rule fails" : `${failed.length} promotion rules fail`}: ${failures}`,
    accepted: `a tag whose evidence passes promotion:rules of ${environment}${checkCommand}, or promotion:apps.${app}.overrideRules with the reason to promote anyway${overrideCommand}`,
  });
}
