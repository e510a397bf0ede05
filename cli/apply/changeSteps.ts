/** The steps of a change, in order: what `promote`, `rollback` and `hotfix` do once planned. */
import type { ChangeRun } from "./changeRun";
import type { Step } from "./step";
import { commitStackFile } from "./steps/commitStackFile";
import { createBranch } from "./steps/createBranch";
import { editStackFile } from "./steps/editStackFile";
import { ensureClean } from "./steps/ensureClean";
import { openPullRequest } from "./steps/openPullRequest";
import { push } from "./steps/push";
import { returnToStart } from "./steps/returnToStart";

export function changeSteps(run: ChangeRun): Step[] {
  return [
    ensureClean(run),
    createBranch(run),
    editStackFile(run),
    commitStackFile(run),
    push(run),
    openPullRequest(run),
    returnToStart(run),
  ];
}
