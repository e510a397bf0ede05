/** What a user needs to know of a stack's governance after a run, and the reviewers to look up. */
import { parseApprover } from "../approvers";
import type { GitHubAccess } from "./access";
import type { GovernancePlan } from "./plan";

/** What a user needs to know about the stack's GitHub governance after a run. */
export interface GovernanceSummary {
  /** `owner/name`. */
  repository: string;
  githubEnvironment: string;
  /** The branch whose stack file feeds the environment; the only one that may deploy to it. */
  branch: string;
  /** Code owners of the stack file; any ONE of them satisfies the code owner review. */
  approvers: string[];
  /** What a promotion pull request into `branch` needs (merged over every environment it feeds). */
  promotionPullRequest: {
    requiredApprovals: number;
    requireCodeOwnerReviews: boolean;
    requireLastPushApproval: boolean;
    statusChecks: string[];
    /** The stack that declares the branch protection. */
    protectedBy: string;
  };
  /** Required reviewers of the GitHub environment: any ONE of them approves a deployment job. */
  deploymentReviewers: string[];
  waitTimerMinutes: number;
  /** Branch protections this stack declares. */
  protectsBranches: string[];
  /** Branches this stack writes CODEOWNERS to (the managing stack only). */
  writesCodeownersTo: string[];
  managingStack: string;
  /** Teams that must each approve a change of the stack file (ruleset), if configured. */
  everyTeamMustApprove: string[];
  /** How this run treated GitHub (see GitHubAccess); `none` means nothing was declared. */
  githubAccess: GitHubAccess;
}

export function governanceSummary(plan: GovernancePlan, access: GitHubAccess): GovernanceSummary {
  const declares = access !== "none";
  return {
    repository: `${plan.owner}/${plan.repository}`,
    githubEnvironment: plan.environment.name,
    branch: plan.environment.branch,
    approvers: plan.approvers,
    promotionPullRequest: {
      requiredApprovals: plan.promotionBranch.requiredApprovals,
      requireCodeOwnerReviews: plan.promotionBranch.requireCodeOwnerReviews,
      requireLastPushApproval: plan.promotionBranch.requireLastPushApproval,
      statusChecks: plan.promotionBranch.statusChecks,
      protectedBy: plan.promotionBranch.protectedBy,
    },
    deploymentReviewers: plan.environment.reviewers,
    waitTimerMinutes: plan.environment.waitTimerMinutes,
    protectsBranches: declares ? plan.branchProtections.map((p) => p.branch) : [],
    writesCodeownersTo: declares ? (plan.codeowners?.branches ?? []) : [],
    managingStack: plan.managingStack,
    everyTeamMustApprove: plan.ruleset?.teams ?? [],
    githubAccess: access,
  };
}

/** An approver whose numeric GitHub ID is needed for environment reviewers and rulesets. */
export interface Reviewer {
  handle: string;
  kind: "team" | "user";
  /** Team slug or user login, for an API lookup. */
  name: string;
  /** From config, when pinned there. */
  id?: number;
}

export function reviewersOf(handles: string[], ids: Record<string, number>): Reviewer[] {
  return handles.map((handle) => {
    const parsed = parseApprover(handle);
    if (!parsed) throw new Error(`not an approver: ${handle}`);
    return {
      handle,
      kind: parsed.kind,
      name: parsed.kind === "team" ? parsed.slug : parsed.login,
      id: ids[handle],
    };
  });
}
