/**
 * The branch protection policy on what the real program declares for the seed fixture's managing
 * stack (prod protects main for dev, stage and prod): it passes; each weakening is refused.
 */
import { strict as assert } from "assert";
import { BRANCH_PROTECTION_TYPE, governanceOf, protectionMinimum } from "../github";
import {
  copy,
  declaredBy,
  declaredOfType,
  fixtureConfig,
  policyNamed,
  violationsOf,
} from "./support";

const policy = (config = fixtureConfig("prod")) => policyNamed("branch-protection-minimum", config);
const protection = async () => copy((await declaredOfType("prod", BRANCH_PROTECTION_TYPE))[0]);

describe("policy branch-protection-minimum", () => {
  it("passes the protection of main the managing stack declares", async () => {
    const main = await protection();
    assert.equal(main.inputs.pattern, "main");
    assert.deepEqual(await violationsOf(policy(), main), []);
    assert.deepEqual(await violationsOf(policy(), main, { minimumApprovals: 1 }), []);
  });

  it("has nothing to check in stacks that protect no branch", async () => {
    for (const stack of ["dev", "stage"]) {
      const types = (await declaredBy(stack)).map((r) => r.type);
      assert.ok(!types.includes(BRANCH_PROTECTION_TYPE), stack);
    }
  });

  for (const [what, edit, field] of [
    ["admins not enforced", (i: any) => (i.enforceAdmins = false), "enforceAdmins = false"],
    ["force pushes", (i: any) => (i.allowsForcePushes = true), "allowsForcePushes = true"],
    ["deletions", (i: any) => (i.allowsDeletions = true), "allowsDeletions = true"],
    [
      "open conversations",
      (i: any) => delete i.requireConversationResolution,
      "requireConversationResolution = (not set)",
    ],
    [
      "no approval",
      (i: any) => (i.requiredPullRequestReviews[0].requiredApprovingReviewCount = 0),
      "requiredPullRequestReviews[0].requiredApprovingReviewCount = 0",
    ],
    [
      "no pull request at all",
      (i: any) => delete i.requiredPullRequestReviews,
      "requiredPullRequestReviews = (not set)",
    ],
    [
      "no code owner review",
      (i: any) => (i.requiredPullRequestReviews[0].requireCodeOwnerReviews = false),
      "requiredPullRequestReviews[0].requireCodeOwnerReviews = false",
    ],
    [
      "stale approvals kept",
      (i: any) => (i.requiredPullRequestReviews[0].dismissStaleReviews = false),
      "requiredPullRequestReviews[0].dismissStaleReviews = false",
    ],
    [
      "last push approval dropped",
      (i: any) => (i.requiredPullRequestReviews[0].requireLastPushApproval = false),
      "requiredPullRequestReviews[0].requireLastPushApproval = false",
    ],
    [
      "a check dropped",
      (i: any) => (i.requiredStatusChecks[0].contexts = ["lint", "tests"]),
      'requiredStatusChecks[0].contexts = ["lint","tests"]',
    ],
    [
      "loose checks",
      (i: any) => (i.requiredStatusChecks[0].strict = false),
      "requiredStatusChecks[0].strict = false",
    ],
  ] as const) {
    it(`refuses ${what}`, async () => {
      const main = await protection();
      edit(main.inputs);
      const messages = await violationsOf(policy(), main);
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.ok(
        messages[0].startsWith(`BranchProtection of main: ${field}; refused: `),
        messages[0],
      );
    });
  }

  it("raises the approval floor of the shared branch to the pack's minimumApprovals", async () => {
    const messages = await violationsOf(policy(), await protection(), { minimumApprovals: 2 });
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /requiredApprovingReviewCount = 1; refused: fewer approving reviews than the pack's minimumApprovals \(2\) for a shared branch of the managing stack asks; accepted: 2 or more/,
    );
  });

  it("holds the protection to the stack's own requiredApprovals", async () => {
    const config = fixtureConfig("prod", (v) => {
      const g = JSON.parse(v["promotion:governance"]);
      g.requiredApprovals = 2;
      v["promotion:governance"] = JSON.stringify(g);
    });
    const messages = await violationsOf(policy(config), await protection());
    assert.equal(messages.length, 1);
    assert.match(
      messages[0],
      /fewer approving reviews than promotion:governance\.requiredApprovals \(2\)/,
    );
  });

  it("asks no approval floor of a branch that is not shared, beyond the stack's own", () => {
    const dev = governanceOf(fixtureConfig("dev"));
    assert.deepEqual(protectionMinimum("release", dev, 1), {
      approvals: 0,
      approvalsFrom:
        "promotion:governance.requiredApprovals (0) of the stack whose environment release feeds",
      statusChecks: [],
      requireLastPushApproval: false,
    });
  });

  it("refuses what it cannot check when the stack's config did not reach the pack", async () => {
    const messages = await violationsOf(
      policyNamed("branch-protection-minimum", undefined),
      await protection(),
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0], /the stack's configuration did not reach the policy pack/);
  });
});
