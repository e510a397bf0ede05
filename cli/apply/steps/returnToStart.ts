/** Step return: check out the branch the run started from, so the working tree is as it was. */
import { startName, type ChangeRun } from "../changeRun";
import type { Step } from "../step";

export function returnToStart(run: ChangeRun): Step {
  return {
    name: "return",
    does: `check out ${startName(run)} again`,
    run() {
      run.git.git("checkout", "--quiet", run.back);
      run.io.out(`Back on ${startName(run)}.`);
    },
  };
}
