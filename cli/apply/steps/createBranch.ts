/** Step branch: a new branch for the change; refused when one of that name exists already. */
import { startName, type ChangeRun } from "../changeRun";
import type { Step } from "../step";

export function createBranch(run: ChangeRun): Step {
  const { git, plan } = run;
  const branch = plan.branch;
  return {
    name: "branch",
    does: `create ${branch} from ${run.baseRef ?? startName(run)} (git checkout -b)`,
    undoes: `check out ${startName(run)}, delete the branch`,
    check() {
      if (git.branchExists(branch)) {
        return `branch ${branch} already exists, so this change was probably made before: look for its pull request (\`gh pr list --head ${branch}\`), or delete the branch (\`git branch -D ${branch}\`) and run again`;
      }
      if (run.hasOrigin && git.remoteBranchExists("origin", branch)) {
        return `branch ${branch} is on origin already, from an earlier change: look for its pull request (\`gh pr list --head ${branch} --state all\`); once it is merged or closed, delete the branch (\`git push origin --delete ${branch}\`) and run again`;
      }
      return undefined;
    },
    run() {
      git.git("checkout", "--quiet", "-b", branch, ...(run.baseRef ? [run.baseRef] : []));
    },
    undo() {
      git.git("checkout", "--quiet", run.back);
      git.git("branch", "--quiet", "-D", branch);
      return `back on ${startName(run)}, ${branch} deleted`;
    },
  };
}
