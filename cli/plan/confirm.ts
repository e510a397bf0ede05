/**
 * Promotions a person must confirm with a reason: re-pinning a tag the target rolled back from
 * (it was bad there once), and ending a hotfix in force (the fix may not be in the promoted
 * build). A confirmed plan carries the reason into the commit and the pull request.
 */
import type { ChangePlan, Planned, PromotionRisk } from "./change";
import { tagRuns, type StackVersion } from "./history";

export const CONFIRM_REQUIRED =
  "--confirm needs a reason: say why it is safe now; it is recorded in the commit and the pull request";

/** What a promotion plan risks in its target; [] when nothing. */
export function promotionRisks(plan: ChangePlan, history: StackVersion[]): PromotionRisk[] {
  const risks: PromotionRisk[] = [];
  for (const change of plan.changes) {
    const rolledBack = tagRuns(history, change.app).find(
      (run) => run.tag === change.tag && run.rolledBackFrom,
    )?.rolledBackFrom;
    if (rolledBack) {
      risks.push({
        kind: "rolled-back-from",
        env: plan.env,
        app: change.app,
        tag: change.tag,
        date: rolledBack.date.slice(0, 10),
        why: rolledBack.reason,
      });
    }
    if (change.endsBypass?.kind === "hotfix") {
      risks.push({
        kind: "replaces-hotfix",
        env: plan.env,
        app: change.app,
        hotfix: change.current,
        tag: change.tag,
        why: change.endsBypass.reason,
      });
    }
  }
  return risks;
}

/** The risk as a sentence; `tag` formats tags (code spans in the pull request). */
export function describeRisk(risk: PromotionRisk, tag: (t: string) => string = (t) => t): string {
  if (risk.kind === "rolled-back-from") {
    return `${risk.env} rolled back from ${risk.app} ${tag(risk.tag)} on ${risk.date} ("${risk.why}")`;
  }
  return `${risk.env} runs ${risk.app} ${tag(risk.hotfix)} as a hotfix ("${risk.why}"); this promotion replaces it with ${tag(risk.tag)}`;
}

/**
 * Refuses a risky plan without `confirm`; a confirmed plan gets the confirmation and says it in
 * its commit body. `commandLine` is the command to repeat with --confirm.
 */
export function requireConfirmation(
  planned: Planned,
  risks: PromotionRisk[],
  confirm: string | undefined,
  commandLine: string,
): Planned {
  if (!("plan" in planned) || risks.length === 0) return planned;
  const what = risks.map((r) => describeRisk(r)).join("; ");
  if (confirm === undefined) {
    const again = risks.some((r) => r.kind === "rolled-back-from") ? " again" : "";
    return {
      refused: `${what}. Promoting it${again} needs a reason: if it is safe now, run ${commandLine} --confirm "<why>"`,
    };
  }
  if (confirm.trim() === "") return { refused: CONFIRM_REQUIRED };
  const reason = confirm.trim();
  const plan = planned.plan;
  return {
    plan: {
      ...plan,
      confirmation: { reason, risks },
      commitBody: [plan.commitBody, "", `Confirmed: ${reason}`, `(${what})`].join("\n"),
    },
  };
}
