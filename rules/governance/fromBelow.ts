/**
 * Governance cannot be widened from below (issue #20): the managing stack declares the protection
 * of every shared branch, and CODEOWNERS gives each stack file to that environment's approvers
 * alone. So a key in another stack's file that feeds that protection is reviewed only by that
 * file's owners (developers, for Pulumi.dev.yaml), never by the managing stack's.
 *
 * Which keys of another stack's file feed the protection of a shared branch it is on
 * (branchProtectionSettings with `managing`): `requiredApprovals` (strictest wins),
 * `requireLastPushApproval` (any), `statusChecks` (union) and `pullRequestBypassers`. The first
 * three are merged over the managing stack's own values as a floor, so another file can only make
 * the branch stricter. A bypasser can only make it weaker (it skips the pull request for the
 * whole branch, the managing stack's file included), so it is refused here, before anything is
 * declared: only the managing stack's file adds bypassers.
 */
import { stackFileName } from "../names";
import type { Refusal } from "../verdict";
import { GOVERNANCE_KEY as KEY, manages, type StackGovernance } from "./stackGovernance";

/**
 * A refusal for every bypasser that a stack file other than the managing stack's puts on a
 * shared branch the managing stack protects. Stacks whose managingStack disagrees are refused
 * elsewhere (governanceProblems); here each managing stack judges the stacks that name it.
 */
export function bypassersFromBelow(stacks: StackGovernance[]): Refusal[] {
  const problems: Refusal[] = [];
  for (const manager of stacks.filter(manages)) {
    const managerFile = stackFileName(manager.stack);
    const shared = manager.governance.repository.sharedBranches;
    for (const s of stacks) {
      const g = s.governance;
      if (s === manager || g.repository.managingStack !== manager.stack) continue;
      if (!shared.includes(g.branch)) continue;
      const file = stackFileName(s.stack);
      g.pullRequestBypassers.forEach((bypasser, index) => {
        problems.push({
          stack: s.stack,
          key: `${KEY}.pullRequestBypassers[${index}]`,
          value: bypasser,
          reason:
            `${file} is on the shared branch "${g.branch}", whose protection ${manager.stack} ` +
            `(the managing stack) declares; a bypasser skips the pull request for the whole ` +
            `branch, ${managerFile} included, yet only the owners of ${file} would review ` +
            "adding it",
          accepted:
            `no pullRequestBypassers in ${file}: move ${JSON.stringify(bypasser)} to ` +
            `${KEY}.pullRequestBypassers in ${managerFile}, the managing stack's file (only it ` +
            `adds bypassers to the branches ${manager.stack} protects: ${shared.join(", ")})`,
        });
      });
    }
  }
  return problems;
}
