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
  /**
   * The union of their bypassers, sorted: a bypass holds for the whole branch. On a shared
   * branch only the managing stack's file may add one (rules/governance/fromBelow.ts).
   */
  pullRequestBypassers: string[];
}

/**
 * Merges the requirements of every environment fed by one branch: GitHub protects a branch, not a
 * file, so a pull request into a shared branch meets the strictest of them.
 *
 * `managing` is given for a shared branch, whose protection the managing stack declares: its own
 * file then counts whether or not it feeds the branch, so it is the floor of every requirement
 * and the place where a bypasser of the branch is accepted. Only the managing stack's file may
 * widen what it protects (issue #20): the other files feeding the branch can add approvals and
 * checks (strictest wins) but never lower the managing stack's, and their own bypassers are
 * refused before a plan is made (rules/governance/fromBelow.ts).
 */
export function branchProtectionSettings(
  branch: string,
  feeding: StackGovernance[],
  managing?: StackGovernance,
): BranchProtectionSettings {
  const merged = managing ? [...feeding.filter((s) => s !== managing), managing] : feeding;
  const requiredApprovals = Math.max(0, ...merged.map((s) => s.governance.requiredApprovals));
  const requirePullRequest = requiredApprovals > 0;
  return {
    branch,
    environments: sortedUnique(feeding.map((s) => s.stack)),
    requirePullRequest,
    requiredApprovals,
    requireCodeOwnerReviews: requirePullRequest,
    dismissStaleReviews: requirePullRequest,
    requireLastPushApproval:
      requirePullRequest && merged.some((s) => s.governance.requireLastPushApproval),
    statusChecks: sortedUnique(merged.flatMap((s) => s.governance.statusChecks)),
    pullRequestBypassers: sortedUnique(merged.flatMap((s) => s.governance.pullRequestBypassers)),
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
