/** Step commit: commit the stack file alone, with the plan's message. */
import type { ChangeRun } from "../changeRun";
import type { Step } from "../step";

export function commitStackFile(run: ChangeRun): Step {
  const { git, io, plan } = run;
  let parent = "";
  return {
    name: "commit",
    does: `commit only ${plan.file}: "${plan.commitSubject}"`,
    undoes: "reset to the commit before",
    run() {
      parent = git.head();
      git.git("add", "--", plan.file);
      try {
        git.git(
          "commit",
          "--quiet",
          "-m",
          plan.commitSubject,
          "-m",
          plan.commitBody,
          "--",
          plan.file,
        );
      } catch (error) {
        // Unstaged again, so the edit's undo leaves a clean tree for the branch's undo.
        git.git("reset", "--quiet", "--", plan.file);
        throw error;
      }
      io.out(`Committed "${plan.commitSubject}" on branch ${plan.branch} (only ${plan.file}).`);
    },
    undo() {
      git.git("reset", "--quiet", parent);
      return `reset to ${parent.slice(0, 7)}`;
    },
  };
}
