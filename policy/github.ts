/**
 * The GitHub branch protection a stack declares (github:index/branchProtection:BranchProtection)
 * never drops below the minimum: what the program always declares (rules/governance,
 * components/governance.ts), what the stack's own promotion:governance asks of the branch it
 * feeds, and, on the shared branches the managing stack protects, an approval floor of the pack's
 * own (policy config `minimumApprovals`, default 1).
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { at, block, isRecord, stringAt, strings } from "./props";
import type { StackConfig } from "./stackConfig";
import { NO_STACK_CONFIG, formatViolation, type Violation } from "./violation";

export const BRANCH_PROTECTION_TYPE = "github:index/branchProtection:BranchProtection";

/** Policy config of branch-protection-minimum. */
export interface BranchProtectionPolicyConfig {
  /** Approving reviews every shared branch of the managing stack requires at least. */
  minimumApprovals?: number;
}
export const DEFAULT_MINIMUM_APPROVALS = 1;

/** What the stack's config says of its governance, as far as a branch protection goes. */
export interface StackGovernanceView {
  stack?: string;
  branch?: string;
  requiredApprovals: number;
  statusChecks: string[];
  requireLastPushApproval: boolean;
  managingStack?: string;
  sharedBranches: string[];
}

export function governanceOf(config: StackConfig): StackGovernanceView | undefined {
  const text = config.values["promotion:governance"];
  if (text === undefined) return undefined;
  let g: unknown;
  try {
    g = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(g)) return undefined;
  const approvals = at(g, "requiredApprovals");
  return {
    stack: config.stack,
    branch: stringAt(g, "branch"),
    requiredApprovals: typeof approvals === "number" ? approvals : 0,
    statusChecks: strings(at(g, "statusChecks")),
    requireLastPushApproval: at(g, "requireLastPushApproval") === true,
    managingStack: stringAt(g, "repository", "managingStack"),
    sharedBranches: strings(at(g, "repository", "sharedBranches")),
  };
}

/** The minimum a protection of `pattern` must meet, and where its approval count comes from. */
export interface ProtectionMinimum {
  approvals: number;
  approvalsFrom: string;
  statusChecks: string[];
  requireLastPushApproval: boolean;
}

export function protectionMinimum(
  pattern: string,
  governance: StackGovernanceView | undefined,
  floor: number,
): ProtectionMinimum {
  const feeds = governance !== undefined && governance.branch === pattern;
  const own = feeds ? governance.requiredApprovals : 0;
  const shared =
    governance !== undefined &&
    governance.managingStack === governance.stack &&
    governance.sharedBranches.includes(pattern);
  const approvals = Math.max(own, shared ? floor : 0);
  return {
    approvals,
    approvalsFrom:
      shared && floor >= own
        ? `the pack's minimumApprovals (${floor}) for a shared branch of the managing stack`
        : `promotion:governance.requiredApprovals (${own}) of the stack whose environment ${pattern} feeds`,
    statusChecks: feeds ? governance.statusChecks : [],
    requireLastPushApproval: feeds && governance.requireLastPushApproval && approvals > 0,
  };
}

export function branchProtectionViolations(
  props: unknown,
  governance: StackGovernanceView | undefined,
  floor: number,
): Violation[] {
  const pattern = stringAt(props, "pattern") ?? "(no pattern)";
  const object = `BranchProtection of ${pattern}`;
  const min = protectionMinimum(pattern, governance, floor);
  const violations: Violation[] = [];
  const expect = (
    field: string,
    value: unknown,
    ok: boolean,
    reason: string,
    accepted: string,
  ): void => {
    if (!ok) violations.push({ object, field, value, reason, accepted });
  };

  const enforceAdmins = at(props, "enforceAdmins");
  expect(
    "enforceAdmins",
    enforceAdmins,
    enforceAdmins === true,
    "administrators could merge past every rule below",
    "true",
  );
  const forcePushes = at(props, "allowsForcePushes");
  expect(
    "allowsForcePushes",
    forcePushes,
    forcePushes !== true,
    "a force push rewrites the reviewed history of the stack files",
    "false",
  );
  const deletions = at(props, "allowsDeletions");
  expect(
    "allowsDeletions",
    deletions,
    deletions !== true,
    "the protected branch could be deleted",
    "false",
  );
  const conversations = at(props, "requireConversationResolution");
  expect(
    "requireConversationResolution",
    conversations,
    conversations === true,
    "a promotion could merge with open review threads",
    "true",
  );

  const reviews = block(at(props, "requiredPullRequestReviews"));
  const review = (field: string) => at(reviews, field);
  const reviewField = (field: string) => `requiredPullRequestReviews[0].${field}`;
  if (min.approvals > 0 && !isRecord(reviews)) {
    violations.push({
      object,
      field: "requiredPullRequestReviews",
      value: undefined,
      reason: `no pull request review is required, and ${min.approvalsFrom} asks ${min.approvals}`,
      accepted: `${min.approvals} or more approving reviews, from code owners, stale ones dismissed`,
    });
  } else if (min.approvals > 0) {
    const count = review("requiredApprovingReviewCount");
    expect(
      reviewField("requiredApprovingReviewCount"),
      count,
      typeof count === "number" && count >= min.approvals,
      `fewer approving reviews than ${min.approvalsFrom} asks`,
      `${min.approvals} or more`,
    );
    expect(
      reviewField("requireCodeOwnerReviews"),
      review("requireCodeOwnerReviews"),
      review("requireCodeOwnerReviews") === true,
      "the approvers of each stack file (CODEOWNERS) would not have to approve its changes",
      "true",
    );
    expect(
      reviewField("dismissStaleReviews"),
      review("dismissStaleReviews"),
      review("dismissStaleReviews") === true,
      "an approval would survive later pushes",
      "true",
    );
    if (min.requireLastPushApproval) {
      expect(
        reviewField("requireLastPushApproval"),
        review("requireLastPushApproval"),
        review("requireLastPushApproval") === true,
        "promotion:governance.requireLastPushApproval asks it of this branch",
        "true",
      );
    }
  }

  if (min.statusChecks.length > 0) {
    const checks = block(at(props, "requiredStatusChecks"));
    const contexts = at(checks, "contexts");
    const missing = min.statusChecks.filter((c) => !strings(contexts).includes(c));
    expect(
      "requiredStatusChecks[0].contexts",
      contexts,
      missing.length === 0,
      `it leaves out ${JSON.stringify(missing)} of promotion:governance.statusChecks`,
      `every check of ${JSON.stringify(min.statusChecks)}`,
    );
    expect(
      "requiredStatusChecks[0].strict",
      at(checks, "strict"),
      at(checks, "strict") === true,
      "checks could pass on an outdated base",
      "true",
    );
  }
  return violations;
}

export function githubPolicies(config: StackConfig | undefined): ResourceValidationPolicy[] {
  return [
    {
      name: "branch-protection-minimum",
      description:
        "A branch protection keeps admins enforced, force pushes and deletions off, conversations " +
        "resolved, and at least the approvals, code-owner reviews and status checks declared.",
      enforcementLevel: "mandatory",
      configSchema: {
        properties: {
          minimumApprovals: { type: "integer", minimum: 0, default: DEFAULT_MINIMUM_APPROVALS },
        },
      },
      validateResource: (args, reportViolation) => {
        if (args.type !== BRANCH_PROTECTION_TYPE) return;
        if (!config) {
          reportViolation(
            formatViolation({
              object: `BranchProtection ${args.name}`,
              field: "(all)",
              value: undefined,
              reason: NO_STACK_CONFIG,
              accepted: "a run with the stack's configuration",
            }),
          );
          return;
        }
        const floor =
          args.getConfig<BranchProtectionPolicyConfig>().minimumApprovals ??
          DEFAULT_MINIMUM_APPROVALS;
        for (const v of branchProtectionViolations(args.props, governanceOf(config), floor)) {
          reportViolation(formatViolation(v));
        }
      },
    },
  ];
}
