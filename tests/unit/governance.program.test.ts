/**
 * Runs the real program for each stack file of the seed fixture (tests/fixtures/seed, and other
 * governance set-ups made from it in temporary projects) and checks the GitHub objects it declares
 * against the config: the GitHub environments, the branch protections, CODEOWNERS, and that no two
 * stacks declare one object. The real stack files are checked only for what must hold whatever
 * environments they hold: no two stacks declare one GitHub object, and only the managing stack
 * protects branches and writes CODEOWNERS.
 */
import { strict as assert } from "assert";
import { engineConfig, listStacks, loadStackFile } from "../../config/stackFiles";

import * as pulumi from "@pulumi/pulumi";
import {
  codeownersFor,
  planGovernance,
  stackGovernance,
  WORKFLOW_ENVIRONMENT,
} from "../../rules/governance";
import { CODEOWNERS_COMMIT_MESSAGE, Governance } from "../../components/governance";
import { SEED } from "../fixtures";
import {
  PROJECT_DIR,
  withDeployed,
  json,
  ofType,
  runProgram,
  type DeclaredResource,
  type ProgramRun,
  type RunOptions,
} from "../../harness/program";
import {
  governanceOf,
  governanceProject,
  removeGovernanceProjects,
} from "../support/governanceProject";
import { withoutGitHubToken } from "../support/githubToken";

const PROVIDER = "pulumi:providers:github";
/**
 * Runs a stack that already manages GitHub (its previous `governance` output says so): without a
 * token its preview declares the GitHub objects through an anonymous provider, which is what most
 * tests here look at. A stack that never managed GitHub declares none (see the test below).
 */
function runManaged(
  stack: string,
  overrides: Record<string, string | undefined> = {},
  baseConfig?: Record<string, string>,
  options: RunOptions = {},
): Promise<ProgramRun> {
  return runProgram(stack, overrides, baseConfig, {
    ...options,
    stackOutputs: withDeployed(options.projectDir ?? PROJECT_DIR, {
      [stack]: { governance: { githubAccess: "token" } },
      ...options.stackOutputs,
    }),
  });
}

const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";
/** A stack's own GitHub environment and its deployment policy: not the workflows' `promotion`. */
const ownOfType = (run: ProgramRun, type: string) =>
  ofType(run, type).filter((r) => r.inputs.environment !== WORKFLOW_ENVIRONMENT);
const DEPLOY_POLICY =
  "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy";
const PROTECTION = "github:index/branchProtection:BranchProtection";
const FILE = "github:index/repositoryFile:RepositoryFile";
const RULESET = "github:index/repositoryRuleset:RepositoryRuleset";

/** What names each kind of GitHub object on GitHub: two resources with one identity collide. */
const IDENTITY: Record<string, (inputs: Record<string, any>) => string> = {
  [ENVIRONMENT]: (i) => `${i.repository}#environment:${String(i.environment).toLowerCase()}`,
  [DEPLOY_POLICY]: (i) =>
    `${i.repository}#environment:${String(i.environment).toLowerCase()}#branch:${i.branchPattern}`,
  [PROTECTION]: (i) => `${i.repositoryId}#protection:${i.pattern}`,
  [FILE]: (i) => `${i.repository}#${i.branch}:${i.file}`,
  [RULESET]: (i) => `${i.repository}#ruleset:${i.name}`,
};

/** Pulumi's marker of a secret value in serialized inputs. */
const SECRET_SIG = {
  key: "4dabf18193072939515e22adb298388d",
  value: "1b47061264138c4ac30d75fd1eb44270",
};

const github = (run: ProgramRun): DeclaredResource[] =>
  run.resources.filter((r) => r.type.startsWith("github:"));

/** Every GitHub object of the runs that more than one stack declares. */
function collisions(runs: Record<string, ProgramRun>): string[] {
  const owners = new Map<string, string[]>();
  for (const [stack, run] of Object.entries(runs)) {
    for (const resource of github(run)) {
      const identify = IDENTITY[resource.type];
      assert.ok(identify, `no identity known for ${resource.type}: add it to IDENTITY`);
      const id = identify(resource.inputs);
      owners.set(id, [...(owners.get(id) ?? []), stack]);
    }
  }
  return [...owners]
    .filter(([, stacks]) => stacks.length > 1)
    .map(([id, s]) => `${id}: ${s.join(", ")}`);
}

/** Runs every stack of a project (the seed fixture unless `projectDir` names another). */
async function runAll(
  overrides: Record<string, string | undefined> = {},
  projectDir: string = SEED.dir,
): Promise<Record<string, ProgramRun>> {
  const runs: Record<string, ProgramRun> = {};
  for (const stack of listStacks(projectDir)) {
    runs[stack] = await runManaged(stack, overrides, undefined, { projectDir });
  }
  return runs;
}

/** The seed fixture's governance table, per environment. */
const expected = {
  dev: { waitTimer: 0, preventSelfReview: false, reviewers: false },
  stage: { waitTimer: 0, preventSelfReview: true, reviewers: true },
  prod: { waitTimer: 10, preventSelfReview: true, reviewers: true },
};

describe("GitHub governance, declared by the program", () => {
  withoutGitHubToken();
  after(removeGovernanceProjects);

  describe("GitHub governance of the real stack files (whatever they hold today)", () => {
    let runs: Record<string, ProgramRun>;
    before(async () => {
      runs = await runAll({}, PROJECT_DIR);
    });

    it("no two stacks declare the same GitHub object", () => {
      assert.deepEqual(collisions(runs), []);
    });

    it("each stack with governance declares its own GitHub environment", () => {
      for (const [stack, run] of Object.entries(runs)) {
        const governance = loadStackFile(PROJECT_DIR, stack).governance;
        const environments = ownOfType(run, ENVIRONMENT).map((e) => e.inputs.environment);
        assert.deepEqual(environments, governance ? [governance.githubEnvironment] : [], stack);
      }
    });

    it("only the managing stack the files name protects branches and writes CODEOWNERS", () => {
      for (const [stack, run] of Object.entries(runs)) {
        const governance = loadStackFile(PROJECT_DIR, stack).governance;
        const manages = governance?.repository.managingStack === stack;
        assert.equal(ofType(run, FILE).length > 0, manages, `${stack} writes CODEOWNERS`);
        if (!manages) assert.deepEqual(ofType(run, PROTECTION), [], `${stack} protects a branch`);
      }
    });
  });

  describe("GitHub governance of the seed fixture (tests/fixtures/seed)", () => {
    let runs: Record<string, ProgramRun>;
    before(async () => {
      runs = await runAll();
    });

    for (const [stack, want] of Object.entries(expected)) {
      it(`${stack}: declares its GitHub environment, deployable from main only`, () => {
        const [environment, ...others] = ownOfType(runs[stack], ENVIRONMENT);
        assert.equal(others.length, 0);
        assert.equal(environment.inputs.repository, "dex");
        assert.equal(environment.inputs.environment, stack);
        assert.equal(environment.inputs.waitTimer, want.waitTimer);
        assert.equal(environment.inputs.preventSelfReview, want.preventSelfReview);
        assert.equal(environment.inputs.canAdminsBypass, false);
        assert.deepEqual(environment.inputs.deploymentBranchPolicy, {
          protectedBranches: false,
          customBranchPolicies: true,
        });
        // Without a token and without pinned IDs, reviewers cannot be resolved offline.
        assert.equal(environment.inputs.reviewers, undefined);
        const [policy, ...more] = ownOfType(runs[stack], DEPLOY_POLICY);
        assert.equal(more.length, 0);
        assert.deepEqual(policy.inputs, {
          repository: "dex",
          environment: stack,
          branchPattern: "main",
        });
        assert.deepEqual(
          (runs[stack].outputs.governance as any).deploymentReviewers.length > 0,
          want.reviewers,
        );
      });
    }

    it("only the managing stack (prod) protects main and writes CODEOWNERS", () => {
      for (const stack of ["dev", "stage"]) {
        assert.deepEqual(ofType(runs[stack], PROTECTION), [], `${stack} protects a branch`);
        assert.deepEqual(ofType(runs[stack], FILE), [], `${stack} writes a file`);
      }
      assert.equal(ofType(runs.prod, PROTECTION).length, 1);
      assert.equal(ofType(runs.prod, FILE).length, 1);
    });

    it("protects main with the strictest requirements of dev, stage and prod", () => {
      const [protection] = ofType(runs.prod, PROTECTION);
      assert.deepEqual(protection.inputs, {
        repositoryId: "dex",
        pattern: "main",
        enforceAdmins: true,
        allowsDeletions: false,
        allowsForcePushes: false,
        requireConversationResolution: true,
        requiredStatusChecks: [{ strict: true, contexts: ["lint", "security-scan", "tests"] }],
        requiredPullRequestReviews: [
          {
            requiredApprovingReviewCount: 1,
            requireCodeOwnerReviews: true,
            dismissStaleReviews: true,
            requireLastPushApproval: true,
            pullRequestBypassers: ["/dex-release-bot"],
          },
        ],
      });
    });

    it("writes CODEOWNERS generated from every stack file to main", () => {
      const [file] = ofType(runs.prod, FILE);
      const stacks = listStacks(SEED.dir).map((s) => stackGovernance(loadStackFile(SEED.dir, s))!);
      assert.equal(file.inputs.repository, "dex");
      assert.equal(file.inputs.branch, "main");
      assert.equal(file.inputs.file, ".github/CODEOWNERS");
      assert.equal(file.inputs.overwriteOnCreate, true);
      assert.equal(file.inputs.commitMessage, CODEOWNERS_COMMIT_MESSAGE);
      assert.equal(file.inputs.content, codeownersFor(stacks, "prod"));
      const content = String(file.inputs.content);
      assert.match(content, /^# GENERATED FILE - DO NOT EDIT BY HAND\.$/m);
      assert.match(content, /^\*\s+@data-literate\/platform$/m);
      assert.match(content, /^\/Pulumi\.yaml\s+@data-literate\/platform$/m);
      assert.match(content, /^\/Pulumi\.dev\.yaml\s+@data-literate\/developers$/m);
      assert.match(
        content,
        /^\/Pulumi\.stage\.yaml\s+@data-literate\/release-managers @data-literate\/qa$/m,
      );
      assert.match(content, /^\/Pulumi\.prod\.yaml\s+@data-literate\/sre$/m);
    });

    it("no two stacks declare the same GitHub object", () => {
      assert.deepEqual(collisions(runs), []);
      // Every stack declares its environment, so the check has something to compare.
      assert.equal(Object.values(runs).flatMap((r) => ownOfType(r, ENVIRONMENT)).length, 3);
    });

    it("the managing stack alone declares the workflows' environment, deployable from main only (#20)", () => {
      for (const [stack, run] of Object.entries(runs)) {
        const workflow = ofType(run, ENVIRONMENT).filter(
          (e) => e.inputs.environment === WORKFLOW_ENVIRONMENT,
        );
        if (stack !== "prod") {
          assert.deepEqual(workflow, [], stack);
          continue;
        }
        assert.equal(workflow.length, 1);
        assert.equal(workflow[0].inputs.canAdminsBypass, false);
        assert.deepEqual(workflow[0].inputs.deploymentBranchPolicy, {
          protectedBranches: false,
          customBranchPolicies: true,
        });
        const policies = ofType(run, DEPLOY_POLICY).filter(
          (p) => p.inputs.environment === WORKFLOW_ENVIRONMENT,
        );
        assert.deepEqual(
          policies.map((p) => p.inputs.branchPattern),
          ["main"],
        );
      }
    });

    it("without a token the provider is anonymous: no owner, no token, nothing to call", () => {
      for (const run of Object.values(runs)) {
        const [provider, ...others] = ofType(run, PROVIDER);
        assert.equal(others.length, 0);
        assert.equal(provider.inputs.owner, undefined);
        assert.equal(provider.inputs.token, undefined);
        assert.ok(
          github(run).every((r) => String(r.provider).includes(provider.name)),
          "explicit provider",
        );
        assert.equal((run.outputs.governance as any).githubAccess, "anonymous");
      }
    });

    it("exports a summary of the stack's governance", () => {
      assert.deepEqual(runs.stage.outputs.governance, {
        repository: "data-literate/dex",
        githubEnvironment: "stage",
        branch: "main",
        approvers: ["@data-literate/release-managers", "@data-literate/qa"],
        promotionPullRequest: {
          requiredApprovals: 1,
          requireCodeOwnerReviews: true,
          requireLastPushApproval: true,
          statusChecks: ["lint", "security-scan", "tests"],
          protectedBy: "prod",
        },
        deploymentReviewers: ["@data-literate/release-managers", "@data-literate/qa"],
        waitTimerMinutes: 0,
        protectsBranches: [],
        writesCodeownersTo: [],
        managingStack: "prod",
        everyTeamMustApprove: [],
        githubAccess: "anonymous",
      });
      assert.deepEqual((runs.prod.outputs.governance as any).protectsBranches, ["main"]);
    });

    it("follows the stack file: another wait timer and approval count show up", async () => {
      const governance = governanceOf("prod");
      governance.waitTimerMinutes = 45;
      governance.requiredApprovals = 3;
      const run = await runManaged(
        "prod",
        { "promotion:governance": json(governance) },
        undefined,
        {
          projectDir: SEED.dir,
        },
      );
      assert.equal(ownOfType(run, ENVIRONMENT)[0].inputs.waitTimer, 45);
      const [protection] = ofType(run, PROTECTION);
      assert.equal(protection.inputs.requiredPullRequestReviews[0].requiredApprovingReviewCount, 3);
    });

    it("declares no GitHub object when no stack file has promotion:governance", async () => {
      const projectDir = governanceProject(() => null);
      const run = await runManaged("dev", {}, engineConfig(projectDir, "dev"), { projectDir });
      assert.deepEqual(github(run), []);
      assert.deepEqual(ofType(run, PROVIDER), []);
      assert.equal(run.outputs.governance, undefined);
    });
  });

  describe("GitHub governance with a token and pinned reviewer IDs", () => {
    const ids = {
      "@data-literate/developers": 101,
      "@data-literate/release-managers": 102,
      "@data-literate/qa": 103,
      "@data-literate/sre": 104,
      "@octocat": 583231,
    };
    let projectDir: string;
    before(() => {
      projectDir = governanceProject((stack, governance) => {
        governance.repository.reviewerIds = ids;
        if (stack === "prod") governance.approvers = ["@data-literate/sre", "@octocat"];
      });
    });

    it("targets the repository owner and keeps the token secret", async () => {
      const run = await runManaged("prod", { "github:token": "ghp_example" }, undefined, {
        projectDir,
      });
      const [provider] = ofType(run, PROVIDER);
      assert.equal(provider.inputs.owner, "data-literate");
      assert.equal(provider.inputs.token[SECRET_SIG.key], SECRET_SIG.value, "token must be secret");
      assert.equal(provider.inputs.token.value, "ghp_example");
      assert.equal((run.outputs.governance as any).githubAccess, "token");
    });

    it("takes the token from GITHUB_TOKEN too, as a secret", async () => {
      process.env.GITHUB_TOKEN = "ghp_from_env";
      try {
        const run = await runManaged("dev", {}, undefined, { projectDir });
        const [provider] = ofType(run, PROVIDER);
        assert.equal(provider.inputs.owner, "data-literate");
        assert.equal(provider.inputs.token[SECRET_SIG.key], SECRET_SIG.value);
      } finally {
        delete process.env.GITHUB_TOKEN;
      }
    });

    it("makes the approvers the environment's reviewers, by numeric ID, also offline", async () => {
      const stage = await runManaged("stage", {}, undefined, { projectDir });
      assert.deepEqual(ownOfType(stage, ENVIRONMENT)[0].inputs.reviewers, [
        { teams: [102, 103], users: [] },
      ]);
      const prod = await runManaged("prod", {}, undefined, { projectDir });
      assert.deepEqual(ownOfType(prod, ENVIRONMENT)[0].inputs.reviewers, [
        { teams: [104], users: [583231] },
      ]);
      assert.match(
        String(ofType(prod, FILE)[0].inputs.content),
        /^\/Pulumi\.prod\.yaml\s+@data-literate\/sre @octocat$/m,
      );
      const dev = await runManaged("dev", {}, undefined, { projectDir });
      assert.equal(
        ownOfType(dev, ENVIRONMENT)[0].inputs.reviewers,
        undefined,
        "dev needs no approval",
      );
    });
  });

  describe("GitHub governance, branch-per-environment model (dev, staging, prod branches)", () => {
    let runs: Record<string, ProgramRun>;
    before(async () => {
      const branches: Record<string, string> = { dev: "dev", stage: "staging", prod: "prod" };
      const projectDir = governanceProject((stack, governance) => {
        governance.branch = branches[stack];
        governance.repository.sharedBranches = [];
        delete governance.pullRequestBypassers;
      });
      runs = await runAll({}, projectDir);
    });

    it("each stack protects its own branch with its own requirements", () => {
      const protections = Object.fromEntries(
        Object.entries(runs).map(([stack, run]) => [stack, ofType(run, PROTECTION)]),
      );
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(protections).map(([s, p]) => [s, p.map((x) => String(x.inputs.pattern))]),
        ),
        { dev: ["dev"], stage: ["staging"], prod: ["prod"] },
      );
      // dev needs no approval: direct pushes stay possible, checks still required.
      assert.equal(protections.dev[0].inputs.requiredPullRequestReviews, undefined);
      assert.deepEqual(protections.dev[0].inputs.requiredStatusChecks, [
        { strict: true, contexts: ["lint", "tests"] },
      ]);
      assert.deepEqual(protections.stage[0].inputs.requiredPullRequestReviews, [
        {
          requiredApprovingReviewCount: 1,
          requireCodeOwnerReviews: true,
          dismissStaleReviews: true,
          requireLastPushApproval: false,
          pullRequestBypassers: [],
        },
      ]);
      assert.equal(
        protections.prod[0].inputs.requiredPullRequestReviews[0].requireLastPushApproval,
        true,
      );
      assert.deepEqual(protections.prod[0].inputs.requiredStatusChecks[0].contexts, [
        "lint",
        "security-scan",
        "tests",
      ]);
    });

    it("each environment deploys only from its own branch", () => {
      const patterns = Object.fromEntries(
        Object.entries(runs).map(([stack, run]) => [
          stack,
          ofType(run, DEPLOY_POLICY)[0].inputs.branchPattern,
        ]),
      );
      assert.deepEqual(patterns, { dev: "dev", stage: "staging", prod: "prod" });
    });

    it("the managing stack writes the same CODEOWNERS to every branch", () => {
      assert.deepEqual(
        ofType(runs.prod, FILE).map((f) => String(f.inputs.branch)),
        ["dev", "prod", "staging"],
      );
      assert.deepEqual(ofType(runs.dev, FILE), []);
      assert.deepEqual(ofType(runs.stage, FILE), []);
      const contents = new Set(ofType(runs.prod, FILE).map((f) => String(f.inputs.content)));
      assert.equal(contents.size, 1, "the same CODEOWNERS on every branch");
    });

    it("no two stacks declare the same GitHub object", () => {
      assert.deepEqual(collisions(runs), []);
    });
  });

  describe("every approving team must approve (seed 002: SRE + Engineering Lead + Product Owner)", () => {
    it("declares a ruleset requiring one approval from each team for the stack file", async () => {
      const projectDir = governanceProject((stack, governance) => {
        governance.repository.reviewerIds = {
          "@data-literate/sre": 11,
          "@data-literate/engineering-leads": 12,
          "@data-literate/product-owners": 13,
        };
        if (stack === "prod") {
          governance.approvers = [
            "@data-literate/sre",
            "@data-literate/engineering-leads",
            "@data-literate/product-owners",
          ];
          governance.everyTeamMustApprove = true;
        }
      });
      const run = await runManaged("prod", {}, undefined, { projectDir });
      const [ruleset, ...others] = ofType(run, RULESET);
      assert.equal(others.length, 0);
      assert.equal(ruleset.inputs.name, "promotion-prod-every-team-approves");
      assert.equal(ruleset.inputs.target, "branch");
      assert.equal(ruleset.inputs.enforcement, "active");
      assert.deepEqual(ruleset.inputs.conditions.refName.includes, ["refs/heads/main"]);
      assert.deepEqual(ruleset.inputs.rules.pullRequest.requiredReviewers, [
        {
          filePatterns: ["Pulumi.prod.yaml"],
          minimumApprovals: 1,
          reviewer: { id: 11, type: "Team" },
        },
        {
          filePatterns: ["Pulumi.prod.yaml"],
          minimumApprovals: 1,
          reviewer: { id: 12, type: "Team" },
        },
        {
          filePatterns: ["Pulumi.prod.yaml"],
          minimumApprovals: 1,
          reviewer: { id: 13, type: "Team" },
        },
      ]);
      const stage = await runManaged("stage", {}, undefined, { projectDir });
      assert.deepEqual(ofType(stage, RULESET), [], "only the environment that asks for it");
    });
  });

  describe("the Governance component, outside a preview", () => {
    const invokes: string[] = [];
    async function declare(access: "none" | "token", token?: string) {
      const declared: DeclaredResource[] = [];
      await pulumi.runtime.setMocks(
        {
          newResource: (args) => {
            declared.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-id`, state: args.inputs };
          },
          // A team lookup answers with the team's numeric ID, as GitHub would.
          call: (args) => {
            invokes.push(`${args.token} ${JSON.stringify(args.inputs)}`);
            const inputs = args.inputs as Record<string, unknown>;
            return { ...inputs, id: args.token === "github:index/getTeam:getTeam" ? "4242" : "7" };
          },
        },
        "promotion",
        "prod",
        false,
      );
      const stacks = listStacks(SEED.dir).map((s) => stackGovernance(loadStackFile(SEED.dir, s))!);
      const component = new Governance("prod-governance", {
        plan: planGovernance(stacks, "prod"),
        access,
        token,
      });
      assert.equal(component.summary.githubAccess, access);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return declared;
    }

    it("declares no GitHub object and no provider with access none (up without a token)", async () => {
      const declared = await declare("none");
      assert.deepEqual(
        declared.map((r) => r.type),
        ["gitops:index:Governance"],
      );
    });

    it("with a token, looks up the approvers' numeric IDs by team slug", async () => {
      invokes.length = 0;
      const declared = await declare("token", "ghp_example");
      for (const type of [PROVIDER, ENVIRONMENT, DEPLOY_POLICY, FILE, PROTECTION]) {
        assert.ok(
          declared.some((r) => r.type === type),
          `${type} missing`,
        );
      }
      assert.deepEqual(invokes, ['github:index/getTeam:getTeam {"slug":"sre","summaryOnly":true}']);
      const [environment] = declared.filter(
        (r) => r.type === ENVIRONMENT && r.inputs.environment !== WORKFLOW_ENVIRONMENT,
      );
      assert.deepEqual(environment.inputs.reviewers, [{ teams: [4242], users: [] }]);
    });
  });
});
