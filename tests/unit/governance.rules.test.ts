/**
 * The pure governance rules: CODEOWNERS text, merged branch protection, GitHub environment
 * settings, which stack declares what, and the cross-stack refusals. No Pulumi engine involved.
 */
import { strict as assert } from "assert";
import type { GovernanceConfig } from "../../model/environment";
import { listStacks, loadStackFile } from "../../config/stackFiles";

import { renderCodeowners } from "../../rules/codeowners";
import {
  branchProtectionActor,
  branchProtectionSettings,
  claimsOf,
  codeownersFor,
  environmentSettings,
  githubAccess,
  governanceSummary,
  governanceProblems,
  planGovernance,
  reviewersOf,
  stackGovernance,
  type StackGovernance,
} from "../../rules/governance";
import { SEED } from "../fixtures";
import { PROJECT_DIR } from "../../harness/program";
import { formatRefusal } from "../../rules/verdict";

const repository = (over: Partial<GovernanceConfig["repository"]> = {}) => ({
  owner: "data-literate",
  name: "dex",
  platformOwners: ["@data-literate/platform"],
  platformPaths: ["*"],
  managingStack: "prod",
  sharedBranches: ["main"],
  reviewerIds: {},
  ...over,
});

function stack(
  name: string,
  governance: Partial<GovernanceConfig> = {},
  upstream?: string,
): StackGovernance {
  return {
    stack: name,
    environment: name,
    upstream,
    governance: {
      repository: repository(),
      githubEnvironment: name,
      branch: "main",
      approvers: [],
      requiredApprovals: 0,
      everyTeamMustApprove: false,
      statusChecks: [],
      waitTimerMinutes: 0,
      preventSelfReview: false,
      requireLastPushApproval: false,
      pullRequestBypassers: [],
      ...governance,
    },
  };
}

/** The single-branch model of seed 000: dev, stage and prod all fed from main. */
const singleBranch = (): StackGovernance[] => [
  stack("dev", {
    approvers: ["@data-literate/developers"],
    statusChecks: ["tests", "lint"],
  }),
  stack(
    "stage",
    {
      approvers: ["@data-literate/release-managers", "@data-literate/qa"],
      requiredApprovals: 1,
      statusChecks: ["lint", "tests"],
    },
    "dev",
  ),
  stack(
    "prod",
    {
      approvers: ["@data-literate/sre"],
      requiredApprovals: 2,
      requireLastPushApproval: true,
      statusChecks: ["tests", "lint", "security-scan"],
      waitTimerMinutes: 10,
      preventSelfReview: true,
      // dev's bot pushes its tag to main: only the managing stack's file adds a bypasser to main
      // (rules/governance/fromBelow.ts).
      pullRequestBypassers: ["@dex-release-bot"],
    },
    "stage",
  ),
];

/** The branch-per-environment model of seed 003: dev, staging and prod branches. */
const branchPerEnvironment = (): StackGovernance[] =>
  singleBranch().map((s) => ({
    ...s,
    governance: {
      ...s.governance,
      repository: repository({ sharedBranches: [] }),
      branch: { dev: "dev", stage: "staging", prod: "prod" }[s.stack]!,
    },
  }));

/** The governance of every stack file of a project: the real one unless `projectDir` is given. */
const stacksOf = (projectDir: string = PROJECT_DIR): StackGovernance[] =>
  listStacks(projectDir).map((name) => stackGovernance(loadStackFile(projectDir, name))!);

describe("CODEOWNERS", () => {
  const input = {
    platformOwners: ["@data-literate/platform"],
    platformPaths: ["*"],
    managingStack: "prod",
    environments: [
      { stack: "stage", approvers: ["@data-literate/release-managers", "@data-literate/qa"] },
      { stack: "dev", approvers: ["@data-literate/developers"] },
      { stack: "prod", approvers: ["@data-literate/sre"] },
    ],
  };

  it("says it is generated, by what, and not to edit it by hand", () => {
    const header = renderCodeowners(input).split("\n").slice(0, 5).join("\n");
    assert.match(header, /GENERATED FILE - DO NOT EDIT BY HAND/);
    assert.match(header, /promotion-as-code \(rules\/codeowners\.ts/);
    assert.match(header, /`pulumi up` of\n# the prod stack/);
  });

  it("gives each stack file to its environment's approvers, after the program code", () => {
    const owners = renderCodeowners(input)
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => line.split(/\s+/));
    assert.deepEqual(owners, [
      ["*", "@data-literate/platform"],
      ["/Pulumi.yaml", "@data-literate/platform"],
      ["/Pulumi.dev.yaml", "@data-literate/developers"],
      ["/Pulumi.prod.yaml", "@data-literate/sre"],
      ["/Pulumi.stage.yaml", "@data-literate/release-managers", "@data-literate/qa"],
    ]);
  });

  it("is deterministic: the order of the stacks does not change a byte", () => {
    const reversed = { ...input, environments: [...input.environments].reverse() };
    assert.equal(renderCodeowners(reversed), renderCodeowners(input));
    assert.ok(renderCodeowners(input).endsWith("@data-literate/qa\n"));
  });

  it("lists program paths for the platform owners, and leaves an approver-less file unowned", () => {
    const text = renderCodeowners({
      ...input,
      platformPaths: ["/components/", "/config/"],
      environments: [{ stack: "dev", approvers: [] }],
    });
    assert.match(text, /^\/components\/\s+@data-literate\/platform$/m);
    assert.match(text, /^\/config\/\s+@data-literate\/platform$/m);
    assert.doesNotMatch(text, /^\*/m);
    assert.match(text, /^\/Pulumi\.dev\.yaml$/m);
    assert.match(text, /^# dev has no approvers/m);
  });

  it("for the seed fixture's stack files (tests/fixtures/seed), names every environment's approvers", () => {
    const text = codeownersFor(stacksOf(SEED.dir), "prod");
    assert.match(text, /^\/Pulumi\.prod\.yaml\s+@data-literate\/sre$/m);
    assert.match(text, /^\/Pulumi\.dev\.yaml\s+@data-literate\/developers$/m);
    assert.match(
      text,
      /^\/Pulumi\.stage\.yaml\s+@data-literate\/release-managers @data-literate\/qa$/m,
    );
  });
});

describe("branch protection of a branch several environments share", () => {
  it("takes the strictest approval count, the union of checks, last-push approval if any needs it", () => {
    const settings = branchProtectionSettings("main", singleBranch());
    assert.deepEqual(settings, {
      branch: "main",
      environments: ["dev", "prod", "stage"],
      requirePullRequest: true,
      requiredApprovals: 2,
      requireCodeOwnerReviews: true,
      dismissStaleReviews: true,
      requireLastPushApproval: true,
      statusChecks: ["lint", "security-scan", "tests"],
      pullRequestBypassers: ["@dex-release-bot"],
    });
  });

  it("requires no pull request on a branch whose only environment needs no approval", () => {
    const [dev] = branchPerEnvironment();
    const settings = branchProtectionSettings("dev", [dev]);
    assert.equal(settings.requirePullRequest, false);
    assert.equal(settings.requiredApprovals, 0);
    assert.equal(settings.requireLastPushApproval, false);
    assert.deepEqual(settings.statusChecks, ["lint", "tests"]);
  });

  it("writes bypassers the way BranchProtection wants them", () => {
    assert.equal(branchProtectionActor("@dex-release-bot"), "/dex-release-bot");
    assert.equal(branchProtectionActor("@data-literate/sre"), "data-literate/sre");
    assert.throws(() => branchProtectionActor("sre"), /not an approver/);
  });
});

describe("GitHub environment settings", () => {
  it("uses the approvers as reviewers only where approvals are required", () => {
    const [dev, stage, prod] = singleBranch();
    assert.deepEqual(environmentSettings(dev).reviewers, []);
    assert.deepEqual(environmentSettings(stage).reviewers, [
      "@data-literate/release-managers",
      "@data-literate/qa",
    ]);
    assert.deepEqual(environmentSettings(prod), {
      name: "prod",
      branch: "main",
      waitTimerMinutes: 10,
      preventSelfReview: true,
      canAdminsBypass: false,
      reviewers: ["@data-literate/sre"],
    });
  });

  it("takes pinned numeric IDs and leaves the others to a lookup", () => {
    const reviewers = reviewersOf(["@data-literate/sre", "@octocat"], {
      "@data-literate/sre": 42,
    });
    assert.deepEqual(reviewers, [
      { handle: "@data-literate/sre", kind: "team", name: "sre", id: 42 },
      { handle: "@octocat", kind: "user", name: "octocat", id: undefined },
    ]);
  });
});

describe("who declares what", () => {
  it("single branch: only the managing stack protects main and writes CODEOWNERS", () => {
    const stacks = singleBranch();
    assert.deepEqual(governanceProblems(stacks), []);
    const plans = Object.fromEntries(stacks.map((s) => [s.stack, planGovernance(stacks, s.stack)]));
    assert.deepEqual(plans.dev.branchProtections, []);
    assert.deepEqual(plans.stage.branchProtections, []);
    assert.deepEqual(
      plans.prod.branchProtections.map((p) => p.branch),
      ["main"],
    );
    assert.equal(plans.dev.codeowners, undefined);
    assert.equal(plans.stage.codeowners, undefined);
    assert.deepEqual(plans.prod.codeowners?.branches, ["main"]);
    assert.equal(plans.stage.promotionBranch.protectedBy, "prod");
    assert.equal(plans.stage.promotionBranch.requiredApprovals, 2);
  });

  it("branch per environment: each stack protects its own branch, CODEOWNERS goes on every branch", () => {
    const stacks = branchPerEnvironment();
    assert.deepEqual(governanceProblems(stacks), []);
    const plans = Object.fromEntries(stacks.map((s) => [s.stack, planGovernance(stacks, s.stack)]));
    assert.deepEqual(
      plans.dev.branchProtections.map((p) => p.branch),
      ["dev"],
    );
    assert.deepEqual(
      plans.stage.branchProtections.map((p) => [p.branch, p.requiredApprovals]),
      [["staging", 1]],
    );
    assert.deepEqual(
      plans.prod.branchProtections.map((p) => [p.branch, p.requiredApprovals]),
      [["prod", 2]],
    );
    assert.deepEqual(plans.prod.codeowners?.branches, ["dev", "prod", "staging"]);
    assert.equal(plans.stage.codeowners, undefined);
    assert.equal(plans.prod.environment.branch, "prod");
  });

  it("everyTeamMustApprove adds a ruleset for the stack file with each team", () => {
    const canary = stack(
      "canary",
      {
        approvers: ["@data-literate/sre", "@data-literate/qa"],
        requiredApprovals: 2,
        everyTeamMustApprove: true,
      },
      "stage",
    );
    const plan = planGovernance([...singleBranch(), canary], "canary");
    assert.deepEqual(plan.ruleset, {
      name: "promotion-canary-every-team-approves",
      branch: "main",
      filePattern: "Pulumi.canary.yaml",
      teams: ["@data-literate/sre", "@data-literate/qa"],
    });
  });
});

describe("set-ups refused across stacks", () => {
  const problemsOf = (stacks: StackGovernance[], without: string[] = []) =>
    governanceProblems(stacks, without).map(
      (p) => `${p.stack} ${p.key}=${JSON.stringify(p.value)}: ${p.accepted}`,
    );

  it("the real stack files fit together, whatever environments they hold", () => {
    assert.deepEqual(problemsOf(stacksOf()), []);
  });

  it("two stacks both managing CODEOWNERS", () => {
    const stacks = singleBranch();
    stacks[0].governance.repository = repository({ managingStack: "dev" });
    assert.deepEqual(problemsOf(stacks), [
      'dev promotion:governance.repository.managingStack="dev": the same value in every stack ' +
        "file; otherwise dev and prod would each write .github/CODEOWNERS and protect the shared " +
        'branches (found dev: "dev"; prod: "prod"; stage: "prod")',
    ]);
  });

  it("a branch claimed by two stacks that is not listed as shared", () => {
    const stacks = branchPerEnvironment();
    stacks[2].governance.branch = "staging"; // prod on stage's branch
    const problems = problemsOf(stacks).filter((p) => p.includes('branch protection of "staging"'));
    assert.deepEqual(
      problems.map((p) => p.split(": ")[0]),
      ['prod promotion:governance.branch="staging"', 'stage promotion:governance.branch="staging"'],
    );
    assert.ok(problems[0].includes("stage would declare it too"));
    assert.ok(problems[0].includes("sharedBranches"));
  });

  it("the same GitHub environment in two stacks (names are case-insensitive)", () => {
    const stacks = singleBranch();
    stacks[1].governance.githubEnvironment = "Prod";
    const problems = problemsOf(stacks);
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(
      problems[0],
      /^prod promotion:governance\.githubEnvironment="prod": a GitHub environment name no other stack uses/,
    );
    assert.match(
      problems[1],
      /^stage promotion:governance\.githubEnvironment="Prod": .* prod would declare it too/,
    );
  });

  it("repository settings that disagree name the odd stack and every value", () => {
    const stacks = singleBranch();
    stacks[1].governance.repository = repository({ name: "dex-infra" });
    assert.deepEqual(problemsOf(stacks), [
      'stage promotion:governance.repository.name="dex-infra": the same value in every stack file ' +
        '(found dev: "dex"; prod: "dex"; stage: "dex-infra")',
    ]);
  });

  it("a managing stack that does not exist, a shared branch that feeds nothing", () => {
    const missing = singleBranch().map((s) => ({
      ...s,
      governance: { ...s.governance, repository: repository({ managingStack: "production" }) },
    }));
    const problems = problemsOf(missing);
    assert.equal(problems.length, 3);
    assert.ok(problems.every((p) => p.includes('managingStack="production": one of the stacks')));

    const unused = branchPerEnvironment().map((s) => ({
      ...s,
      governance: { ...s.governance, repository: repository({ sharedBranches: ["main"] }) },
    }));
    assert.deepEqual(problemsOf(unused), [
      'prod promotion:governance.repository.sharedBranches[0]="main": a branch that feeds at ' +
        "least one environment (promotion:governance.branch of some stack: dev, prod, staging)",
    ]);
  });

  it("a stack without governance once the others have it", () => {
    const problems = problemsOf(singleBranch().slice(1), ["dev"]);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /^dev promotion:governance=undefined: governance settings like the other stack files \(prod, stage\)/,
    );
  });

  it("claims are what each stack's own config makes it declare", () => {
    const [dev, , prod] = singleBranch();
    assert.deepEqual(
      claimsOf(dev).map((c) => c.kind),
      ["environment"],
    );
    assert.deepEqual(
      claimsOf(prod).map((c) => [c.kind, c.id]),
      [
        ["environment", "data-literate/dex#environment:prod"],
        ["branch protection", "data-literate/dex#branch-protection:main"],
        ["CODEOWNERS file", "data-literate/dex#file:.github/CODEOWNERS"],
      ],
    );
  });
});

describe("GitHub access", () => {
  const access = (hasToken: boolean, dryRun: boolean, managedBefore = false) =>
    githubAccess("prod", { hasToken, dryRun, managedBefore });
  const decided = (hasToken: boolean, dryRun: boolean, managedBefore = false) => {
    const verdict = access(hasToken, dryRun, managedBefore);
    return verdict.allowed ? verdict.value : undefined;
  };

  it("manages GitHub with a token; without one, previews a managed stack anonymously", () => {
    assert.deepEqual(decided(true, false, true), { access: "token" });
    assert.deepEqual(decided(true, true), { access: "token" });
    assert.equal(decided(false, true, true)?.access, "anonymous");
    assert.match(decided(false, true, true)?.warning ?? "", /diff is not exact/);
  });

  it("treats preview and up alike without a token on a stack that never managed GitHub", () => {
    // Otherwise an offline preview right after an offline up would show GitHub objects to create.
    for (const dryRun of [true, false]) {
      const none = decided(false, dryRun, false);
      assert.equal(none?.access, "none", `dryRun ${dryRun}`);
      assert.match(
        none?.warning ?? "",
        /leaves GitHub alone and declares none of the GitHub objects/,
      );
      assert.match(
        none?.warning ?? "",
        /GITHUB_TOKEN environment variable, or the secret github:token/,
      );
    }
  });

  it("refuses `pulumi up` without a token once the stack manages GitHub objects", () => {
    const verdict = access(false, false, true);
    assert.ok(!verdict.allowed, JSON.stringify(verdict));
    const text = formatRefusal(verdict.refusals[0]);
    assert.match(
      text,
      /^stack "prod": github:token = \(not set\); refused: this stack manages GitHub objects/,
    );
    assert.match(text, /that would delete them/);
    assert.match(text, /GITHUB_TOKEN/);
  });

  it("a run that declared nothing says so in its summary", () => {
    const stacks = singleBranch();
    const plan = planGovernance(stacks, "prod");
    assert.deepEqual(governanceSummary(plan, "token").protectsBranches, ["main"]);
    assert.deepEqual(governanceSummary(plan, "token").writesCodeownersTo, ["main"]);
    const none = governanceSummary(plan, "none");
    assert.equal(none.githubAccess, "none");
    assert.deepEqual(none.protectsBranches, []);
    assert.deepEqual(none.writesCodeownersTo, []);
    assert.equal(none.promotionPullRequest.requiredApprovals, 2);
  });
});
