/** Step push: the branch goes to origin, where the pull request is opened from. */
import type { ChangeRun } from "../changeRun";
import type { Step } from "../step";

export function push(run: ChangeRun): Step {
  const { git, io, plan } = run;
  return {
    name: "push",
    does: run.hasOrigin
      ? `push ${plan.branch} to origin`
      : "nothing: there is no remote named origin, push the branch yourself",
    undoes: run.hasOrigin ? "delete it from origin" : undefined,
    run() {
      if (!run.hasOrigin) {
        io.err(
          `There is no remote named origin: push the branch yourself (\`git push <remote> ${plan.branch}\`).`,
        );
        return;
      }
      git.git("push", "--quiet", "--set-upstream", "origin", plan.branch);
      run.pushed = true;
      io.out(`Pushed ${plan.branch} to origin.`);
    },
    undo() {
      if (!run.pushed) return "nothing was pushed";
      git.git("push", "--quiet", "origin", "--delete", plan.branch);
      run.pushed = false;
      return `deleted ${plan.branch} from origin`;
    },
  };
}
