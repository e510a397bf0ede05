/**
 * Issue #20, CI side: a stack file that feeds the managing stack's GitHub governance (its branch
 * protection of shared branches, its CODEOWNERS) affects the managing stack, so CI previews it
 * (its owners see the change) and deploys it. Inline chains and governance: no live stack file.
 */
import { strict as assert } from "assert";
import { affectedStacks, governanceFeeds, type GovernanceFeeds } from "../../rules/ci/affected";

const CHAIN = ["dev", "stage", "prod"];
/** dev, stage and prod all have promotion:governance; prod manages it. */
const FEEDS: GovernanceFeeds = { managing: ["prod"], feeding: ["dev", "prod", "stage"] };

describe("ci: a stack file that feeds the managing stack's governance (issue #20)", () => {
  it("a change to Pulumi.dev.yaml affects dev and prod, the managing stack, in chain order", () => {
    const affected = affectedStacks(["Pulumi.dev.yaml"], CHAIN, FEEDS);
    assert.deepEqual(affected.stacks, ["dev", "prod"]);
    assert.equal(affected.all, false);
    assert.deepEqual(affected.reason.governance, ["prod"]);
    assert.equal(
      affected.reason.summary,
      "Pulumi.dev.yaml changed: dev, prod (prod: the managing stack, whose branch protection " +
        "and CODEOWNERS read the changed stack files)",
    );
  });

  it("a change to the managing stack's own file affects it alone", () => {
    const affected = affectedStacks(["Pulumi.prod.yaml"], CHAIN, FEEDS);
    assert.deepEqual(affected.stacks, ["prod"]);
    assert.deepEqual(affected.reason.governance, []);
    assert.equal(affected.reason.summary, "Pulumi.prod.yaml changed: prod");
  });

  it("a stack file without governance does not feed it", () => {
    const feeds: GovernanceFeeds = { managing: ["prod"], feeding: ["prod", "stage"] };
    assert.deepEqual(affectedStacks(["Pulumi.dev.yaml"], CHAIN, feeds).stacks, ["dev"]);
  });

  it("a deleted stack file affects the managing stack: its CODEOWNERS line goes", () => {
    const affected = affectedStacks(["Pulumi.canary.yaml"], CHAIN, FEEDS);
    assert.deepEqual(affected.stacks, ["prod"]);
    assert.deepEqual(affected.reason.removed, ["canary"]);
    assert.equal(
      affected.reason.summary,
      "Pulumi.canary.yaml deleted: prod (prod: the managing stack, whose branch protection and " +
        "CODEOWNERS read the changed stack files)",
    );
  });

  it("program code still affects every stack, with no governance reason", () => {
    const affected = affectedStacks(["Pulumi.dev.yaml", "index.ts"], CHAIN, FEEDS);
    assert.deepEqual(affected.stacks, CHAIN);
    assert.deepEqual(affected.reason.governance, []);
  });

  it("reads which stacks feed whom from the decoded stack configs", () => {
    const repository = { owner: "data-literate", name: "dex", managingStack: "prod" };
    const feeds = governanceFeeds([
      { stack: "stage", raw: { governance: { repository } } },
      { stack: "dev", raw: { governance: { repository } } },
      { stack: "prod", raw: { governance: { repository } } },
      { stack: "sandbox", raw: {} },
      // Stack files that disagree on the managing stack: each named one is previewed.
      { stack: "qa", raw: { governance: { repository: { ...repository, managingStack: "qa" } } } },
    ]);
    assert.deepEqual(feeds, {
      managing: ["prod", "qa"],
      feeding: ["dev", "prod", "qa", "stage"],
    });
    assert.deepEqual(affectedStacks(["Pulumi.stage.yaml"], [...CHAIN, "qa"], feeds).stacks, [
      "stage",
      "prod",
      "qa",
    ]);
  });
});
