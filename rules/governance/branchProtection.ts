/** Branch protection: what a pull request into a branch must meet, merged over the environments it feeds. */
import { parseApprover } from "../approvers";
import { sortedUnique, type StackGovernance } from "./stackGovernance";

/** What the protection of one branch requires, merged over every environment it feeds. */
export interface BranchProtectionSettings {
  branch: string;
  /** Stacks whose environments the branch feeds, sorted. */
  environments: string[];
  /** Pull requests are required when any environment needs an approval. */
  requirePullRequest: boolean;
  /** The strictest approval count of those environments. */
  requiredApprovals: number;
  requireCodeOwnerReviews: boolean;
  dismissStaleReviews: boolean;
  /** Required if any of those environments requires it. */
  requireLastPushApproval: boolean;
  /** The union of their status checks, sorted; checks must run on the latest base (strict). */
  statusChecks: string[];
  /** The union of their bypassers, sorted: a bypass holds for the whole branch. */
  pullRequestBypassers: string[];
}

/**
 * Merges the requirements of every environment fed by one branch: GitHub protects a branch, not a
 * file, so a pull request into a shared branch meets the strictest of them.
 */
export function branchProtectionSettings(
  branch: string,
  feeding: StackGovernance[],
): BranchProtectionSettings {
  const requiredApprovals = Math.max(0, ...feeding.map((s) => s.governance.requiredApprovals));
  const requirePullRequest = requiredApprovals > 0;
  return {
    branch,
    environments: sortedUnique(feeding.map((s) => s.stack)),
    requirePullRequest,
    requiredApprovals,
    requireCodeOwnerReviews: requirePullRequest,
    dismissStaleReviews: requirePullRequest,
    requireLastPushApproval:
      requirePullRequest && feeding.some((s) => s.governance.requireLastPushApproval),
    statusChecks: sortedUnique(feeding.flatMap((s) => s.governance.statusChecks)),
    pullRequestBypassers: sortedUnique(feeding.flatMap((s) => s.governance.pullRequestBypassers)),
  };
}

/**
 * The actor string BranchProtection expects: `/user` for a user, `org/team` for a team.
 */
export function branchProtectionActor(approver: string): string {
  const parsed = parseApprover(approver);
  if (!parsed) throw new Error(`not an approver: ${approver}`);
  return parsed.kind === "team" ? `${parsed.org}/${parsed.slug}` : `/${parsed.login}`;
}
