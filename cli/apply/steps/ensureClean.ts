/**
 * Step ensure-clean: the working tree is clean, so the commit holds only the stack file, and the
 * checkout is the branch that feeds the environment, so the pull request carries only this change.
 */
import type { ChangeRun } from "../changeRun";
import type { Step } from "../step";

function dirtyRefusal(dirty: string[]): string {
  const shown = dirty.slice(0, 10).map((line) => `  ${line}`);
  if (dirty.length > 10) shown.push(`  ... and ${dirty.length - 10} more`);
  return [
    "the working tree has uncommitted changes; commit or stash them first (`git stash -u`), so the commit holds only the stack file:",
    ...shown,
  ].join("\n");
}

export function ensureClean(run: ChangeRun): Step {
  const { git, plan, governanceBranch } = run;
  return {
    name: "ensure-clean",
    does: run.baseRef
      ? `refuse unless the working tree is clean (the change branches from ${run.baseRef}, which feeds ${plan.env})`
      : governanceBranch
        ? `refuse unless the working tree is clean and on ${governanceBranch}, the branch that feeds ${plan.env} (promotion:governance.branch)`
        : "refuse unless the working tree is clean",
    check() {
      const dirty = git.uncommitted();
      if (dirty.length > 0) return dirtyRefusal(dirty);
      // A detached HEAD is the user's explicit choice of a commit; another branch is a slip.
      if (governanceBranch && run.start && run.start !== governanceBranch && !run.baseRef) {
        return `${plan.file} feeds ${plan.env} from the branch ${governanceBranch} (promotion:governance.branch), but ${run.start} is checked out: run \`git checkout ${governanceBranch} && git pull\`, then the same command again`;
      }
      return undefined;
    },
    run() {},
  };
}
