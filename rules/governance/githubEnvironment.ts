/** The GitHub environment of one stack, and the ruleset that makes every approving team approve. */
import { stackFileName } from "../names";
import { parseApprover } from "../approvers";
import type { StackGovernance } from "./stackGovernance";

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
