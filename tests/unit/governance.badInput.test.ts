/**
 * Bad governance config, in one stack file or across them, must stop the program before it
 * declares anything, with a line that names the stack, the key, the bad value and what the key
 * accepts.
 */
import { strict as assert } from "assert";
import { ProgramFailed, json, runProgram } from "../../harness/program";
import { expectRefusal } from "../support/refusal";
import {
  governanceOf,
  governanceProject,
  removeGovernanceProjects,
  type Governance,
} from "../support/governanceProject";

/** `promotion:governance` of a real stack file, changed by `change`. */
function governanceWith(stack: string, change: (g: Governance) => void): Record<string, string> {
  const governance = governanceOf(stack);
  change(governance);
  return { "promotion:governance": json(governance) };
}

interface BadCase {
  name: string;
  /** The stack that is run. */
  stack: string;
  /** Overrides of the run stack's config, on the real stack files. */
  overrides?: () => Record<string, string>;
  /** Or: a temporary project whose stack files' governance is edited like this. */
  project?: (stack: string, governance: Governance) => Governance | null | void;
  /** The stack the problem line names (defaults to `stack`). */
  names?: string;
  /** Fragments the line must contain: key first, then bad value and what is accepted. */
  expect: string[];
}

const cases: BadCase[] = [
  {
    name: "an approver that is neither @org/team nor @user",
    stack: "prod",
    overrides: () => governanceWith("prod", (g) => (g.approvers = ["sre"])),
    expect: ['promotion:governance.approvers[0] = "sre"', "@org/team-slug", "@username"],
  },
  {
    name: "a team written without @",
    stack: "stage",
    overrides: () => governanceWith("stage", (g) => (g.approvers = ["data-literate/qa"])),
    expect: ['promotion:governance.approvers[0] = "data-literate/qa"', "org/team without '@'"],
  },
  {
    name: "zero approvals for prod",
    stack: "prod",
    overrides: () => governanceWith("prod", (g) => (g.requiredApprovals = 0)),
    expect: [
      "promotion:governance.requiredApprovals = 0",
      "a whole number from 1 to 6",
      "prod takes tags from stage",
      "0 is accepted only for the first environment",
    ],
  },
  {
    name: "a status check list that is not a list",
    stack: "prod",
    overrides: () => governanceWith("prod", (g) => (g.statusChecks = "tests, lint")),
    expect: ['promotion:governance.statusChecks = "tests, lint"', "a list of CI check names"],
  },
  {
    name: "a branch claimed by two stacks without being shared",
    stack: "prod",
    project: (stack, g) => {
      g.repository.sharedBranches = [];
      g.branch = stack === "dev" ? "dev" : "release";
    },
    expect: [
      'promotion:governance.branch = "release"',
      'the branch protection of "release" in data-literate/dex may be declared by one stack only',
      "stage would declare it too",
      "sharedBranches",
    ],
  },
  {
    name: "two stacks both managing CODEOWNERS",
    stack: "prod",
    project: (stack, g) => {
      if (stack === "dev") g.repository.managingStack = "dev";
    },
    names: "dev",
    expect: [
      'promotion:governance.repository.managingStack = "dev"',
      "the same value in every stack file",
      "otherwise dev and prod would each write .github/CODEOWNERS",
    ],
  },
  {
    name: "the same GitHub environment in two stacks",
    stack: "stage",
    overrides: () => governanceWith("stage", (g) => (g.githubEnvironment = "prod")),
    expect: [
      'promotion:governance.githubEnvironment = "prod"',
      "a GitHub environment name no other stack uses",
      "prod would declare it too",
    ],
  },
  {
    name: "repository settings that differ from the other stack files",
    stack: "dev",
    overrides: () => governanceWith("dev", (g) => (g.repository.name = "dex-infra")),
    expect: [
      'promotion:governance.repository.name = "dex-infra"',
      "the same value in every stack file",
      'dev: "dex-infra"; prod: "dex"; stage: "dex"',
    ],
  },
  {
    name: "a team of another organization",
    stack: "prod",
    overrides: () => governanceWith("prod", (g) => (g.approvers = ["@other-org/sre"])),
    expect: [
      'promotion:governance.approvers[0] = "@other-org/sre"',
      "a team of the repository owner data-literate",
    ],
  },
  {
    name: "a user as approver where every team must approve",
    stack: "prod",
    overrides: () =>
      governanceWith("prod", (g) => {
        g.approvers = ["@data-literate/sre", "@octocat"];
        g.everyTeamMustApprove = true;
      }),
    expect: [
      'promotion:governance.approvers[1] = "@octocat"',
      "GitHub rulesets accept only teams as required reviewers",
    ],
  },
  {
    name: "a wait timer beyond 30 days",
    stack: "prod",
    overrides: () => governanceWith("prod", (g) => (g.waitTimerMinutes = 50000)),
    expect: ["promotion:governance.waitTimerMinutes = 50000", "a whole number from 0 to 43200"],
  },
  {
    name: "a misspelt governance key",
    stack: "stage",
    overrides: () =>
      governanceWith("stage", (g) => {
        g.approver = g.approvers;
      }),
    expect: ["promotion:governance.approver", "no such key", "approvers"],
  },
  {
    name: "a branch pattern instead of a branch",
    stack: "stage",
    overrides: () => governanceWith("stage", (g) => (g.branch = "release/*")),
    expect: ['promotion:governance.branch = "release/*"', "a branch name such as main"],
  },
  {
    name: "a sibling stack file with bad governance",
    stack: "prod",
    project: (stack, g) => {
      if (stack === "stage") g.requiredApprovals = "one";
    },
    names: "stage",
    expect: ['promotion:governance.requiredApprovals = "one"', "a whole number from 0 to 6"],
  },
  {
    name: "governance removed from the running stack while the others keep it",
    stack: "prod",
    project: (stack) => (stack === "prod" ? null : undefined),
    names: "prod",
    expect: [
      "promotion:governance = (not set)",
      "governance settings like the other stack files (dev, stage)",
    ],
  },
  {
    name: "a stack file without governance next to ones with it",
    stack: "prod",
    project: (stack) => (stack === "dev" ? null : undefined),
    names: "dev",
    expect: [
      "promotion:governance = (not set)",
      "governance settings like the other stack files (prod, stage)",
    ],
  },
];

describe("bad governance config", () => {
  after(removeGovernanceProjects);

  for (const c of cases) {
    it(`refuses ${c.name}, declaring nothing`, async () => {
      const projectDir = c.project ? governanceProject(c.project) : undefined;
      const stack = c.names ?? c.stack;
      await expectRefusal(
        () => runProgram(c.stack, c.overrides?.() ?? {}, undefined, { projectDir }),
        stack,
        c.expect,
      );
    });
  }

  it("says that nothing was changed, naming the stack that was run", async () => {
    const failure = await runProgram(
      "stage",
      governanceWith("stage", (g) => (g.githubEnvironment = "prod")),
    ).catch((error: ProgramFailed) => error);
    assert.ok(failure instanceof ProgramFailed);
    assert.match(
      failure.message,
      /^Stack "stage" cannot be declared: the stack files taken together have 2 problems; nothing was changed:/,
    );
  });
});
