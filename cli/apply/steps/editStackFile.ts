/** Step edit: write the stack file with the planned tag lines (and bypass blocks). */
import * as fs from "fs";
import type { AppEdit } from "../../stackText";
import type { ChangeRun } from "../changeRun";
import type { Step } from "../step";

/** What an edit does besides the tag: write or remove the app's bypass block. */
function bypassClause(edit: AppEdit, hadBypass: boolean): string | undefined {
  if (edit.bypass) return `with a ${edit.bypass.kind} bypass block for ${edit.app}`;
  if (edit.bypass === null && hadBypass) return `removing ${edit.app}'s bypass block`;
  return undefined;
}

export function editStackFile(run: ChangeRun): Step {
  const { plan } = run;
  const pins = plan.edits.map((edit) => `${edit.app} ${edit.tag}`).join(", ");
  const clauses = plan.edits
    .map((edit) =>
      bypassClause(
        edit,
        plan.changes.some((c) => c.app === edit.app && c.endsBypass),
      ),
    )
    .filter((clause) => clause !== undefined);
  return {
    name: "edit",
    does: [`pin ${pins} in ${plan.file}`, ...clauses].join(", ") + " (the diff below)",
    undoes: "write the file back",
    run() {
      fs.writeFileSync(run.path, run.after);
    },
    undo() {
      fs.writeFileSync(run.path, run.before);
      return `${plan.file} written back`;
    },
  };
}
