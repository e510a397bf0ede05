/**
 * Issue #20, "Governance cannot be widened from below": a stack file other than the managing
 * stack's cannot add a bypasser to, or lower, the protection the managing stack declares; and the
 * generated CODEOWNERS always gives the program, .github/, the CLI and CI, policy/ and scripts/
 * to the platform owners, whatever platformPaths says. Inline governance, or the seed fixture with
 * its governance rewritten here (so the tests do not depend on what the stack files pin today).
 */
import { strict as assert } from "assert";
import type { GovernanceConfig } from "../../model/environment";
import { loadStackFile } from "../../config/stackFiles";
import { checkAcrossStacks } from "../../preflight/crossStack";
import { renderCodeowners } from "../../rules/codeowners";
import {
  bypassersFromBelow,
  governanceProblems,
  planGovernance,
  type StackGovernance,
} from "../../rules/governance";
import { formatRefusal, RefusedError } from "../../rules/verdict";
import {
  governanceProject,
  removeGovernanceProjects,
  type Governance,
} from "../support/governanceProject";

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

function stack(name: string, governance: Partial<GovernanceConfig> = {}): StackGovernance {
  return {
    stack: name,
    environment: name,
    governance: {
      repository: repository(),
      githubEnvironment: name,
      branch: "main",
      approvers: [`@data-literate/${name}-owners`],
      requiredApprovals: 1,
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

/** dev, stage and prod on main, which prod (the managing stack) protects. */
const onMain = (dev: Partial<GovernanceConfig> = {}): StackGovernance[] => [
  stack("dev", { requiredApprovals: 0, statusChecks: ["tests"], ...dev }),
  stack("stage", { statusChecks: ["tests", "lint"] }),
  stack("prod", {
    requiredApprovals: 2,
    requireLastPushApproval: true,
    statusChecks: ["tests", "lint", "security-scan"],
  }),
];

const text = (stacks: StackGovernance[]) => governanceProblems(stacks).map(formatRefusal);

describe("governance cannot be widened from below (issue #20)", () => {
  after(removeGovernanceProjects);

  describe("a bypasser in another stack's file", () => {
    it("is refused, naming the file, the key, the value and where it belongs", () => {
      assert.deepEqual(text(onMain({ pullRequestBypassers: ["@data-literate/developers"] })), [
        'stack "dev": promotion:governance.pullRequestBypassers[0] = "@data-literate/developers"; ' +
          'refused: Pulumi.dev.yaml is on the shared branch "main", whose protection prod (the ' +
          "managing stack) declares; a bypasser skips the pull request for the whole branch, " +
          "Pulumi.prod.yaml included, yet only the owners of Pulumi.dev.yaml would review adding " +
          'it; accepted: no pullRequestBypassers in Pulumi.dev.yaml: move "@data-literate/developers" ' +
          "to promotion:governance.pullRequestBypassers in Pulumi.prod.yaml, the managing stack's " +
          "file (only it adds bypassers to the branches prod protects: main)",
      ]);
    });

    it("names each bypasser of each stack file by its index", () => {
      const stacks = onMain({ pullRequestBypassers: ["@dex-release-bot", "@octocat"] });
      stacks[1].governance.pullRequestBypassers = ["@data-literate/qa"];
      assert.deepEqual(
        bypassersFromBelow(stacks).map((r) => `${r.stack} ${r.key} ${String(r.value)}`),
        [
          "dev promotion:governance.pullRequestBypassers[0] @dex-release-bot",
          "dev promotion:governance.pullRequestBypassers[1] @octocat",
          "stage promotion:governance.pullRequestBypassers[0] @data-literate/qa",
        ],
      );
    });

    it("is accepted in the managing stack's file, and protects main the same way", () => {
      const stacks = onMain();
      stacks[2].governance.pullRequestBypassers = ["@dex-release-bot"];
      assert.deepEqual(text(stacks), []);
      const [main] = planGovernance(stacks, "prod").branchProtections;
      assert.deepEqual(main.pullRequestBypassers, ["@dex-release-bot"]);
    });

    it("is accepted on a stack's own branch, which no other file feeds (branch per environment)", () => {
      const stacks = onMain({ branch: "dev", pullRequestBypassers: ["@dex-release-bot"] });
      assert.deepEqual(text(stacks), []);
      const plan = planGovernance(stacks, "dev");
      assert.deepEqual(
        plan.branchProtections.map((p) => [p.branch, p.pullRequestBypassers]),
        [["dev", ["@dex-release-bot"]]],
      );
    });

    it("stops the program before anything is declared (the cross-stack check)", () => {
      const dir = governanceProject((name, governance: Governance) => {
        if (name === "dev") governance.pullRequestBypassers = ["@dex-release-bot"];
        else delete governance.pullRequestBypassers;
      });
      for (const current of ["dev", "prod"]) {
        assert.throws(
          () => checkAcrossStacks(dir, loadStackFile(dir, current)),
          (error: unknown) => {
            assert.ok(error instanceof RefusedError, String(error));
            assert.match(error.message, new RegExp(`^Stack "${current}" cannot be declared`));
            assert.match(
              error.message,
              /stack "dev": promotion:governance\.pullRequestBypassers\[0\] = "@dex-release-bot"; refused: Pulumi\.dev\.yaml is on the shared branch "main"/,
            );
            assert.match(error.message, /move "@dex-release-bot" to .* in Pulumi\.prod\.yaml/);
            return true;
          },
        );
      }
    });

    it("moved to the managing stack's file, the seed's stack files are accepted", () => {
      const dir = governanceProject((name, governance: Governance) => {
        if (name === "prod") governance.pullRequestBypassers = ["@dex-release-bot"];
        else delete governance.pullRequestBypassers;
      });
      const plan = checkAcrossStacks(dir, loadStackFile(dir, "prod"));
      assert.deepEqual(
        plan?.branchProtections.map((p) => [p.branch, p.pullRequestBypassers]),
        [["main", ["@dex-release-bot"]]],
      );
    });
  });

  describe("the managing stack's file is the floor of the branches it protects", () => {
    /** main feeds dev and stage only; prod, on its own branch, still protects main. */
    const prodElsewhere = (): StackGovernance[] => {
      const stacks = onMain();
      stacks[2].governance.branch = "prod";
      stacks[2].governance.pullRequestBypassers = ["@dex-release-bot"];
      return stacks;
    };
    const mainOf = (stacks: StackGovernance[]) =>
      planGovernance(stacks, "prod").branchProtections.find((p) => p.branch === "main")!;

    it("even where it feeds no environment: its approvals, checks and bypassers hold", () => {
      const stacks = prodElsewhere();
      assert.deepEqual(text(stacks), []);
      assert.deepEqual(mainOf(stacks), {
        branch: "main",
        environments: ["dev", "stage"],
        requirePullRequest: true,
        requiredApprovals: 2,
        requireCodeOwnerReviews: true,
        dismissStaleReviews: true,
        requireLastPushApproval: true,
        statusChecks: ["lint", "security-scan", "tests"],
        pullRequestBypassers: ["@dex-release-bot"],
      });
    });

    it("another file lowering its approvals or dropping its checks does not lower main", () => {
      const stacks = prodElsewhere();
      for (const s of stacks.slice(0, 2)) {
        s.governance.requiredApprovals = 0;
        s.governance.statusChecks = [];
      }
      const main = mainOf(stacks);
      assert.equal(main.requiredApprovals, 2);
      assert.deepEqual(main.statusChecks, ["lint", "security-scan", "tests"]);
      // What stage's owners ask for on top still counts: strictest wins.
      stacks[1].governance.requiredApprovals = 3;
      assert.equal(mainOf(stacks).requiredApprovals, 3);
      // The promotion pull request of a stack on main says what main really needs.
      assert.equal(planGovernance(stacks, "dev").promotionBranch.requiredApprovals, 3);
    });
  });

  describe("each GitHub environment deploys only from a branch that is protected", () => {
    it("its deployment branch is one a stack protects, in both branching models", () => {
      for (const stacks of [onMain(), onMain({ branch: "dev" })]) {
        const plans = stacks.map((s) => planGovernance(stacks, s.stack));
        const protectedBranches = new Set(
          plans.flatMap((p) => p.branchProtections.map((b) => b.branch)),
        );
        for (const plan of plans) {
          assert.ok(
            protectedBranches.has(plan.environment.branch),
            `${plan.stack} deploys from ${plan.environment.branch}, which no stack protects`,
          );
        }
      }
    });
  });
});

/**
 * The owners GitHub requires for `file`: the LAST line whose pattern matches wins (GitHub's
 * CODEOWNERS semantics), enough of gitignore's patterns for the generated file: `*`, anchored
 * files, anchored folders (`/x/`) and `*` inside a name.
 */
function ownersOf(codeowners: string, file: string): string[] | undefined {
  let owners: string[] | undefined;
  for (const line of codeowners.split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const [pattern, ...who] = line.trim().split(/\s+/);
    const glob = (p: string) => new RegExp(`^${p.replace(/\./g, "\\.").replace(/\*/g, "[^/]*")}`);
    const matches =
      pattern === "*"
        ? true
        : pattern.endsWith("/")
          ? `/${file}`.startsWith(pattern)
          : glob(pattern).test(`/${file}`) && !`/${file}`.slice(pattern.length).includes("/");
    if (matches) owners = who;
  }
  return owners;
}

describe("the generated CODEOWNERS covers the program whatever platformPaths says (issue #20)", () => {
  const input = (platformPaths: string[]) => ({
    platformOwners: ["@data-literate/platform"],
    platformPaths,
    managingStack: "prod",
    environments: [
      { stack: "dev", approvers: ["@data-literate/developers"] },
      { stack: "prod", approvers: ["@data-literate/sre"] },
    ],
  });
  const PLATFORM = ["@data-literate/platform"];

  it("narrowed to /components/, still gives .github/, the gate, policy/ and scripts/ to the platform", () => {
    const codeowners = renderCodeowners(input(["/components/"]));
    for (const file of [
      "components/environment.ts",
      ".github/workflows/up.yml",
      ".github/CODEOWNERS",
      "rules/gate.ts",
      "preflight/lineage.ts",
      "index.ts",
      "package-lock.json",
      "policy/index.ts",
      "scripts/stack.sh",
      "scripts/toolchain.sh",
      "toolchain/go.mod",
      "cli/main.ts",
      "ci/main.ts",
      "Pulumi.yaml",
      // A new environment's stack file, before the managing stack writes its own line.
      "Pulumi.sandbox.yaml",
    ]) {
      assert.deepEqual(ownersOf(codeowners, file), PLATFORM, file);
    }
    // The stack files' own lines come last, so they still win over /Pulumi.*.yaml.
    assert.deepEqual(ownersOf(codeowners, "Pulumi.dev.yaml"), ["@data-literate/developers"]);
    assert.deepEqual(ownersOf(codeowners, "Pulumi.prod.yaml"), ["@data-literate/sre"]);
    // What platformPaths leaves out and the program does not need stays unowned.
    assert.equal(ownersOf(codeowners, "docs/ci.md"), undefined);
  });

  it("lists a path once when platformPaths already names it", () => {
    const codeowners = renderCodeowners(input(["/policy/", "/components/"]));
    assert.equal(codeowners.match(/^\/policy\/ /gm)?.length, 1);
    assert.equal(codeowners.match(/^\/components\/ /gm)?.length, 1);
  });

  it("adds nothing when platformPaths matches every file (the default *): the text is unchanged", () => {
    const codeowners = renderCodeowners(input(["*"]));
    assert.doesNotMatch(codeowners, /Always the platform owners/);
    assert.deepEqual(
      codeowners
        .split("\n")
        .filter((l) => l !== "" && !l.startsWith("#"))
        .map((l) => l.replace(/\s+/g, " ")),
      [
        "* @data-literate/platform",
        "/Pulumi.yaml @data-literate/platform",
        "/Pulumi.dev.yaml @data-literate/developers",
        "/Pulumi.prod.yaml @data-literate/sre",
      ],
    );
  });
});
