/** Step edit: write the stack file with the planned tag lines (and bypass blocks). */
import * as fs from "fs";
import type { AppEdit } from "../../stackText";
import type { ChangeRun } from "../changeRun";
import type { Step } from "../step";

function describeEdit(edit: AppEdit, hadBypass: boolean): string {
  const pin = `${edit.app} ${edit.tag}`;
  if (edit.bypass) return `${pin} with a ${edit.bypass.kind} bypass block`;
  if (edit.bypass === null && hadBypass) return `${pin}, removing its bypass block`;
  return pin;
}

export function editStackFile(run: ChangeRun): Step {
  const { plan } = run;
  const edits = plan.edits.map((edit) =>
    describeEdit(
      edit,
      plan.changes.some((c) => c.app === edit.app && c.endsBypass),
    ),
  );
  return {
    name: "edit",
    does: `pin ${edits.join(", ")} in ${plan.file} (the diff below)`,
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
