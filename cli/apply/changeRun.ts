/** Everything the steps of one change share: the plan, the texts, the branches, what is there. */
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentConfig } from "../../model/environment";
import type { Git } from "../git";
import type { CliIo } from "../io";
import type { ChangePlan } from "../plan/change";
import { prText, type PrText } from "../prText";
import { editStackText, refuseOversizedConfig } from "../stackText";
import { fileAt } from "../branches";

export interface ApplyContext {
  io: CliIo;
  git: Git;
  dryRun: boolean;
  /** The environments in chain order. */
  order: string[];
  /** The environment the plan changes. */
  target: EnvironmentConfig;
  /** The command line, for the PR footer. */
  command: string;
  /**
   * Branch per environment: the ref of the target's governance branch (origin/staging) when it is
   * not the checked-out branch; the change branches from it and edits the file as it is there.
   */
  targetRef?: string;
}

export interface ChangeRun {
  plan: ChangePlan;
  io: CliIo;
  git: Git;
  /** The stack file's path. */
  path: string;
  /** The stack file now, and after the edit. */
  before: string;
  after: string;
  pr: PrText;
  /** The branch checked out at the start; undefined on a detached HEAD or outside git. */
  start?: string;
  /** What to check out again at the end: `start`, or the commit of a detached HEAD. */
  back: string;
  /** promotion:governance.branch of the target: the branch whose stack file feeds it. */
  governanceBranch?: string;
  /** The branch the pull request goes into: the governance branch, else `start`. */
  base?: string;
  /** Where the change branches from when that is not the checked-out branch (ApplyContext). */
  baseRef?: string;
  inRepository: boolean;
  hasOrigin: boolean;
  hasGh: boolean;
  /** Set by the push step: whether the branch reached origin. */
  pushed: boolean;
}

/** The run of a plan, read from the repository as it is now. */
export function changeRun(plan: ChangePlan, ctx: ApplyContext): ChangeRun {
  const { io, git } = ctx;
  const file = path.join(io.cwd, plan.file);
  const inRepository = git.isRepository();
  const fromRef = ctx.targetRef && inRepository ? fileAt(git, ctx.targetRef, plan.file) : undefined;
  const before = fromRef ?? fs.readFileSync(file, "utf8");
  const start = inRepository ? git.currentBranch() : undefined;
  const governanceBranch = ctx.target.governance?.branch;
  const after = editStackText(before, plan.file, plan.edits);
  refuseOversizedConfig(io.cwd, plan.file, after);
  return {
    plan,
    io,
    git,
    path: file,
    before,
    after,
    pr: prText(plan, { order: ctx.order, target: ctx.target, command: ctx.command }),
    start,
    back: start ?? (inRepository ? git.head() : "HEAD"),
    governanceBranch,
    base: governanceBranch ?? start,
    ...(fromRef !== undefined ? { baseRef: ctx.targetRef } : {}),
    inRepository,
    hasOrigin: inRepository && git.remotes().includes("origin"),
    hasGh: io.onPath("gh"),
    pushed: false,
  };
}

/** The branch checked out at the start, as a user reads it. */
export function startName(run: ChangeRun): string {
  return run.start ?? `detached HEAD ${run.back.slice(0, 7)}`;
}
