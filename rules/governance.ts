/**
 * Pure rules of GitHub governance: what each GitHub object looks like, which stack declares it,
 * and which set-ups of the stack files are refused because two stacks would declare the same
 * object or the repository-level settings disagree. Nothing here talks to GitHub or Pulumi.
 */
import type { ConfigProblem } from "../config/validate";
import type { GovernanceConfig } from "../model/environment";
import { parseApprover } from "../config/governance";
import { CODEOWNERS_PATH, renderCodeowners } from "./codeowners";

/** One stack's governance, as the cross-stack rules see it. */
export interface StackGovernance {
  stack: string;
  environment: string;
  /** Undefined for the first environment. */
  upstream?: string;
  governance: GovernanceConfig;
}

const KEY = "promotion:governance";
const sortedUnique = (list: string[]): string[] => [...new Set(list)].sort();

/** A stack's stack file name, which CODEOWNERS and rulesets match. */
export const stackFileName = (stack: string): string => `Pulumi.${stack}.yaml`;

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

/** The GitHub environment of one stack. */
export interface EnvironmentSettings {
  name: string;
  /** The only branch that may deploy to it. */
  branch: string;
  waitTimerMinutes: number;
  preventSelfReview: boolean;
  /** Admins cannot skip the reviewers. */
  canAdminsBypass: boolean;
  /** Required reviewers: the approvers when the environment needs approvals, else none. */
  reviewers: string[];
}

export function environmentSettings(s: StackGovernance): EnvironmentSettings {
  const g = s.governance;
  return {
    name: g.githubEnvironment,
    branch: g.branch,
    waitTimerMinutes: g.waitTimerMinutes,
    preventSelfReview: g.preventSelfReview,
    canAdminsBypass: false,
    reviewers: g.requiredApprovals > 0 ? g.approvers : [],
  };
}

/** A ruleset making every approving team approve changes to the stack file (GitHub beta). */
export interface EveryTeamRuleset {
  name: string;
  branch: string;
  /** The stack file, the only path the required reviewers apply to. */
  filePattern: string;
  /** Team approvers (`@org/team`), each of which must approve once. */
  teams: string[];
}

export function everyTeamRuleset(s: StackGovernance): EveryTeamRuleset | undefined {
  const g = s.governance;
  if (!g.everyTeamMustApprove) return undefined;
  return {
    name: `promotion-${g.githubEnvironment}-every-team-approves`,
    branch: g.branch,
    filePattern: stackFileName(s.stack),
    teams: g.approvers.filter((a) => parseApprover(a)?.kind === "team"),
  };
}

/** The kinds of GitHub object the program declares. */
export type GitHubObjectKind = "environment" | "branch protection" | "CODEOWNERS file";

/** A GitHub object one stack would declare, according to that stack's own config. */
export interface Claim {
  kind: GitHubObjectKind;
  /** Identity of the object on GitHub (repository + what names it there). */
  id: string;
  /** Human description, e.g. `branch protection of "main" in data-literate/dex`. */
  what: string;
  stack: string;
  /** The key (and its value) that makes this stack declare the object. */
  key: string;
  value: unknown;
  /** How to resolve a double declaration. */
  fix: string;
}

const repoId = (g: GovernanceConfig) => `${g.repository.owner}/${g.repository.name}`.toLowerCase();

/** True when this stack's own config makes it the managing stack. */
const manages = (s: StackGovernance) => s.governance.repository.managingStack === s.stack;

/** The branches whose protection a stack declares, by its own config (see planGovernance). */
function protectedBranchesOf(
  s: StackGovernance,
): { branch: string; key: string; value: unknown }[] {
  const g = s.governance;
  const shared = g.repository.sharedBranches;
  const own = shared.includes(g.branch)
    ? []
    : [{ branch: g.branch, key: `${KEY}.branch`, value: g.branch }];
  const managed = manages(s)
    ? shared.map((branch, index) => ({
        branch,
        key: `${KEY}.repository.sharedBranches[${index}]`,
        value: branch,
      }))
    : [];
  return [...own, ...managed];
}

/**
 * The GitHub objects one stack would declare, judged from its own config alone. The deployment
 * branch policy and the every-team ruleset are named after the environment, so they can only
 * collide when the environments do.
 */
export function claimsOf(s: StackGovernance): Claim[] {
  const g = s.governance;
  const repo = repoId(g);
  const where = `${g.repository.owner}/${g.repository.name}`;
  const envName = g.githubEnvironment.toLowerCase();
  const claims: Claim[] = [
    {
      kind: "environment",
      id: `${repo}#environment:${envName}`,
      what: `GitHub environment "${g.githubEnvironment}" in ${where}`,
      stack: s.stack,
      key: `${KEY}.githubEnvironment`,
      value: g.githubEnvironment,
      fix: "a GitHub environment name no other stack uses (names are case-insensitive)",
    },
  ];
  for (const { branch, key, value } of protectedBranchesOf(s)) {
    const viaManaging = key.includes("sharedBranches");
    claims.push({
      kind: "branch protection",
      id: `${repo}#branch-protection:${branch}`,
      what: `branch protection of "${branch}" in ${where}`,
      stack: s.stack,
      key: viaManaging ? `${KEY}.repository.managingStack` : key,
      value: viaManaging ? g.repository.managingStack : value,
      fix: viaManaging
        ? "the same managingStack in every stack file: only that stack protects shared branches"
        : `give each environment its own branch, or list "${branch}" in ` +
          `${KEY}.repository.sharedBranches so that the managing stack alone protects it ` +
          "with the strictest requirements of the environments it feeds",
    });
  }
  if (manages(s)) {
    claims.push({
      kind: "CODEOWNERS file",
      id: `${repo}#file:${CODEOWNERS_PATH}`,
      what: `${CODEOWNERS_PATH} in ${where}`,
      stack: s.stack,
      key: `${KEY}.repository.managingStack`,
      value: g.repository.managingStack,
      fix: "the same managingStack in every stack file: exactly one stack writes CODEOWNERS",
    });
  }
  return claims;
}

/** Repository-level fields that every stack file must repeat identically. */
const REPOSITORY_FIELDS = [
  "owner",
  "name",
  "platformOwners",
  "platformPaths",
  "managingStack",
  "sharedBranches",
  "reviewerIds",
] as const;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value);
  if (value !== null && typeof value === "object") {
    return JSON.stringify(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
  }
  return JSON.stringify(value);
}

function disagreements(stacks: StackGovernance[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const field of REPOSITORY_FIELDS) {
    const groups = new Map<string, StackGovernance[]>();
    for (const s of stacks) {
      const value = canonical(s.governance.repository[field]);
      groups.set(value, [...(groups.get(value) ?? []), s]);
    }
    if (groups.size <= 1) continue;
    // The most common value is taken as intended; the others are reported.
    const [, majority] = [...groups.entries()].sort(
      ([, a], [, b]) => b.length - a.length || a[0].stack.localeCompare(b[0].stack),
    )[0];
    const found = stacks.map((s) => `${s.stack}: ${canonical(s.governance.repository[field])}`);
    const managers = stacks.filter(manages).map((s) => s.stack);
    const why =
      field !== "managingStack"
        ? ""
        : managers.length > 1
          ? `; otherwise ${managers.join(" and ")} would each write ${CODEOWNERS_PATH} and ` +
            "protect the shared branches"
          : "; exactly one stack writes CODEOWNERS and protects the shared branches";
    for (const s of stacks) {
      if (majority.includes(s)) continue;
      problems.push({
        stack: s.stack,
        key: `${KEY}.repository.${field}`,
        value: s.governance.repository[field],
        accepted: `the same value in every stack file${why} (found ${found.join("; ")})`,
      });
    }
  }
  return problems;
}

/**
 * Problems of the stack files taken together: repository settings that disagree, a managing
 * stack that does not exist, a shared branch that feeds nothing, and any GitHub object two
 * stacks would both declare. `withoutGovernance` lists stacks that have no `promotion:governance`.
 * An empty list means every stack can declare its part without stepping on another.
 */
export function governanceProblems(
  stacks: StackGovernance[],
  withoutGovernance: string[] = [],
): ConfigProblem[] {
  const sorted = [...stacks].sort((a, b) => a.stack.localeCompare(b.stack));
  const problems: ConfigProblem[] = [];
  if (sorted.length > 0) {
    for (const stack of [...withoutGovernance].sort()) {
      problems.push({
        stack,
        key: KEY,
        value: undefined,
        accepted:
          `governance settings like the other stack files (${sorted.map((s) => s.stack).join(", ")}):` +
          " once one stack has it, every stack needs it, so CODEOWNERS and the branch protections" +
          " cover every environment",
      });
    }
  }
  problems.push(...disagreements(sorted));

  const names = new Set(sorted.map((s) => s.stack));
  for (const s of sorted) {
    const managing = s.governance.repository.managingStack;
    if (!names.has(managing)) {
      problems.push({
        stack: s.stack,
        key: `${KEY}.repository.managingStack`,
        value: managing,
        accepted: `one of the stacks with governance settings (${[...names].join(", ")})`,
      });
    }
  }

  for (const s of sorted.filter(manages)) {
    s.governance.repository.sharedBranches.forEach((branch, index) => {
      if (!sorted.some((other) => other.governance.branch === branch)) {
        problems.push({
          stack: s.stack,
          key: `${KEY}.repository.sharedBranches[${index}]`,
          value: branch,
          accepted:
            "a branch that feeds at least one environment (promotion:governance.branch of some " +
            `stack: ${sortedUnique(sorted.map((o) => o.governance.branch)).join(", ")})`,
        });
      }
    });
  }

  // A managingStack that differs between stack files is reported above, with the stacks that
  // would write CODEOWNERS; the objects it makes them both claim are not repeated.
  const managingDisagrees = problems.some((p) => p.key === `${KEY}.repository.managingStack`);
  const byId = new Map<string, Claim[]>();
  for (const claim of sorted.flatMap(claimsOf)) {
    if (managingDisagrees && claim.key === `${KEY}.repository.managingStack`) continue;
    byId.set(claim.id, [...(byId.get(claim.id) ?? []), claim]);
  }
  for (const claims of byId.values()) {
    const claimants = sortedUnique(claims.map((c) => c.stack));
    if (claimants.length < 2) continue;
    for (const claim of claims) {
      const others = claimants.filter((stack) => stack !== claim.stack);
      problems.push({
        stack: claim.stack,
        key: claim.key,
        value: claim.value,
        accepted:
          `${claim.fix} (the ${claim.what} may be declared by one stack only, and ` +
          `${others.join(" and ")} would declare it too)`,
      });
    }
  }
  return problems;
}

/** Everything one stack declares on GitHub. */
export interface GovernancePlan {
  stack: string;
  owner: string;
  repository: string;
  managingStack: string;
  /** True for the stack that writes CODEOWNERS and protects shared branches. */
  manages: boolean;
  /** Code owners of this stack's file. */
  approvers: string[];
  environment: EnvironmentSettings;
  /** What a promotion pull request into this environment's branch must meet. */
  promotionBranch: BranchProtectionSettings & { protectedBy: string };
  /** The branch protections this stack declares. */
  branchProtections: BranchProtectionSettings[];
  /** Only in the managing stack: the text and the branches it is written to. */
  codeowners?: { path: string; branches: string[]; content: string };
  ruleset?: EveryTeamRuleset;
  /** Numeric IDs of approvers known from config. */
  reviewerIds: Record<string, number>;
}

/** The CODEOWNERS text for a set of stacks, from the managing stack's repository settings. */
export function codeownersFor(stacks: StackGovernance[], managingStack: string): string {
  const manager = stacks.find((s) => s.stack === managingStack);
  if (!manager) throw new Error(`no stack ${managingStack} among the stacks`);
  return renderCodeowners({
    platformOwners: manager.governance.repository.platformOwners,
    platformPaths: manager.governance.repository.platformPaths,
    managingStack,
    environments: stacks.map((s) => ({ stack: s.stack, approvers: s.governance.approvers })),
  });
}

/**
 * What `stack` declares, given every stack's governance. Call governanceProblems first: the plan
 * assumes the stacks agree.
 *  - its GitHub environment, which only its own branch may deploy to;
 *  - the protection of its own branch, unless that branch is shared;
 *  - in the managing stack only: the protection of every shared branch (strictest requirements
 *    of the environments fed by it) and CODEOWNERS on every branch that feeds an environment
 *    (GitHub reads CODEOWNERS from the base branch of a pull request).
 */
export function planGovernance(stacks: StackGovernance[], stack: string): GovernancePlan {
  const self = stacks.find((s) => s.stack === stack);
  if (!self) throw new Error(`no governance settings for stack ${stack}`);
  const g = self.governance;
  const shared = g.repository.sharedBranches;
  const feeding = (branch: string) => stacks.filter((s) => s.governance.branch === branch);
  const branches = [
    ...(shared.includes(g.branch) ? [] : [g.branch]),
    ...(manages(self) ? shared : []),
  ];
  const codeownersBranches = sortedUnique([...stacks.map((s) => s.governance.branch), ...shared]);
  return {
    stack,
    owner: g.repository.owner,
    repository: g.repository.name,
    managingStack: g.repository.managingStack,
    manages: manages(self),
    approvers: g.approvers,
    environment: environmentSettings(self),
    promotionBranch: {
      ...branchProtectionSettings(g.branch, feeding(g.branch)),
      protectedBy: shared.includes(g.branch) ? g.repository.managingStack : stack,
    },
    branchProtections: branches.map((branch) => branchProtectionSettings(branch, feeding(branch))),
    codeowners: manages(self)
      ? {
          path: CODEOWNERS_PATH,
          branches: codeownersBranches,
          content: codeownersFor(stacks, stack),
        }
      : undefined,
    ruleset: everyTeamRuleset(self),
    reviewerIds: g.repository.reviewerIds,
  };
}

/**
 * How a run treats GitHub:
 *  - `token`: the GitHub objects are declared and managed through a provider with owner and token;
 *  - `anonymous`: a preview without a token; the objects are declared through a provider with
 *    neither owner nor token, which makes no API call, so the preview works offline;
 *  - `none`: `pulumi up` without a token on a stack that has never managed GitHub (a laptop, a
 *    test backend): GitHub is left alone and no GitHub object is declared;
 *  - refused: `pulumi up` without a token on a stack that manages GitHub objects: leaving them out
 *    would delete them, declaring them would fail, so nothing is changed.
 */
export type GitHubAccess = "token" | "anonymous" | "none";

export interface GitHubAccessInput {
  hasToken: boolean;
  /** True for `pulumi preview` (and the preview step of `pulumi up`). */
  dryRun: boolean;
  /** Whether the stack's previous run managed GitHub (its `governance` output says `token`). */
  managedBefore: boolean;
}

export function githubAccess(
  stack: string,
  input: GitHubAccessInput,
): { access: GitHubAccess; warning?: string } | { refused: string } {
  if (input.hasToken) return { access: "token" };
  if (input.dryRun) return { access: "anonymous" };
  const setToken =
    "Set one with `pulumi config set --secret github:token <token>` or the GITHUB_TOKEN " +
    "environment variable (docs/governance.md)";
  if (input.managedBefore) {
    return {
      refused:
        `Stack "${stack}" manages GitHub objects (promotion:governance) but has no GitHub token; ` +
        "nothing was changed: without a token they can neither be updated nor left out (that " +
        `would delete them). ${setToken}.`,
    };
  }
  return {
    access: "none",
    warning:
      `No GitHub token: this \`pulumi up\` of stack "${stack}" leaves GitHub alone and declares ` +
      "none of the GitHub objects of promotion:governance (the stack has never managed them). " +
      `${setToken} to manage them.`,
  };
}

/** What a user needs to know about the stack's GitHub governance after a run. */
export interface GovernanceSummary {
  /** `owner/name`. */
  repository: string;
  githubEnvironment: string;
  /** The branch whose stack file feeds the environment; the only one that may deploy to it. */
  branch: string;
  /** Code owners of the stack file; any ONE of them satisfies the code owner review. */
  approvers: string[];
  /** What a promotion pull request into `branch` needs (merged over every environment it feeds). */
  promotionPullRequest: {
    requiredApprovals: number;
    requireCodeOwnerReviews: boolean;
    requireLastPushApproval: boolean;
    statusChecks: string[];
    /** The stack that declares the branch protection. */
    protectedBy: string;
  };
  /** Required reviewers of the GitHub environment: any ONE of them approves a deployment job. */
  deploymentReviewers: string[];
  waitTimerMinutes: number;
  /** Branch protections this stack declares. */
  protectsBranches: string[];
  /** Branches this stack writes CODEOWNERS to (the managing stack only). */
  writesCodeownersTo: string[];
  managingStack: string;
  /** Teams that must each approve a change of the stack file (ruleset), if configured. */
  everyTeamMustApprove: string[];
  /** How this run treated GitHub (see GitHubAccess); `none` means nothing was declared. */
  githubAccess: GitHubAccess;
}

export function governanceSummary(plan: GovernancePlan, access: GitHubAccess): GovernanceSummary {
  const declares = access !== "none";
  return {
    repository: `${plan.owner}/${plan.repository}`,
    githubEnvironment: plan.environment.name,
    branch: plan.environment.branch,
    approvers: plan.approvers,
    promotionPullRequest: {
      requiredApprovals: plan.promotionBranch.requiredApprovals,
      requireCodeOwnerReviews: plan.promotionBranch.requireCodeOwnerReviews,
      requireLastPushApproval: plan.promotionBranch.requireLastPushApproval,
      statusChecks: plan.promotionBranch.statusChecks,
      protectedBy: plan.promotionBranch.protectedBy,
    },
    deploymentReviewers: plan.environment.reviewers,
    waitTimerMinutes: plan.environment.waitTimerMinutes,
    protectsBranches: declares ? plan.branchProtections.map((p) => p.branch) : [],
    writesCodeownersTo: declares ? (plan.codeowners?.branches ?? []) : [],
    managingStack: plan.managingStack,
    everyTeamMustApprove: plan.ruleset?.teams ?? [],
    githubAccess: access,
  };
}

/** An approver whose numeric GitHub ID is needed for environment reviewers and rulesets. */
export interface Reviewer {
  handle: string;
  kind: "team" | "user";
  /** Team slug or user login, for an API lookup. */
  name: string;
  /** From config, when pinned there. */
  id?: number;
}

export function reviewersOf(handles: string[], ids: Record<string, number>): Reviewer[] {
  return handles.map((handle) => {
    const parsed = parseApprover(handle);
    if (!parsed) throw new Error(`not an approver: ${handle}`);
    return {
      handle,
      kind: parsed.kind,
      name: parsed.kind === "team" ? parsed.slug : parsed.login,
      id: ids[handle],
    };
  });
}
