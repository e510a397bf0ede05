/** Everything one stack declares on GitHub, given every stack's governance. */
import { CODEOWNERS_PATH, renderCodeowners } from "../codeowners";
import { branchProtectionSettings, type BranchProtectionSettings } from "./branchProtection";
import {
  environmentSettings,
  everyTeamRuleset,
  type EnvironmentSettings,
  type EveryTeamRuleset,
} from "./githubEnvironment";
import { manages, sortedUnique, type StackGovernance } from "./stackGovernance";

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
  /**
   * Only in the managing stack: the GitHub environment `promotion` whose secrets the workflows'
   * privileged jobs read (docs/security.md), deployable only from these branches.
   */
  workflowEnvironment?: { name: string; branches: string[] };
  /** Numeric IDs of approvers known from config. */
  reviewerIds: Record<string, number>;
}

/**
 * The GitHub environment the workflows' privileged jobs (promote, auto-promote, the dev bump, the
 * deployment settings) declare: its secrets reach only runs from the branches it allows.
 */
export const WORKFLOW_ENVIRONMENT = "promotion";

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
 *    of the environments fed by it, never below the managing stack's own, with the managing
 *    stack's bypassers alone) and CODEOWNERS on every branch that feeds an environment
 *    (GitHub reads CODEOWNERS from the base branch of a pull request).
 */
export function planGovernance(stacks: StackGovernance[], stack: string): GovernancePlan {
  const self = stacks.find((s) => s.stack === stack);
  if (!self) throw new Error(`no governance settings for stack ${stack}`);
  const g = self.governance;
  const shared = g.repository.sharedBranches;
  const feeding = (branch: string) => stacks.filter((s) => s.governance.branch === branch);
  // A shared branch is protected by the managing stack, whose own file is its floor and the
  // only source of its bypassers (branchProtectionSettings).
  const manager = stacks.find((s) => s.stack === g.repository.managingStack);
  const protectionOf = (branch: string) =>
    branchProtectionSettings(
      branch,
      feeding(branch),
      shared.includes(branch) ? manager : undefined,
    );
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
      ...protectionOf(g.branch),
      protectedBy: shared.includes(g.branch) ? g.repository.managingStack : stack,
    },
    branchProtections: branches.map(protectionOf),
    codeowners: manages(self)
      ? {
          path: CODEOWNERS_PATH,
          branches: codeownersBranches,
          content: codeownersFor(stacks, stack),
        }
      : undefined,
    ruleset: everyTeamRuleset(self),
    ...(manages(self)
      ? {
          workflowEnvironment: {
            name: WORKFLOW_ENVIRONMENT,
            branches: shared.length > 0 ? [...shared] : [g.branch],
          },
        }
      : {}),
    reviewerIds: g.repository.reviewerIds,
  };
}
