/**
 * Temporary project directories holding Pulumi.yaml and the stack files with their
 * `promotion:governance` changed, for running the program against other governance set-ups
 * (runProgram's `projectDir`): the program reads the sibling stack files from there.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { listStacks, stackFilePath } from "../../config/stackFiles";
import { PROJECT_DIR } from "../../harness/program";

export type Governance = Record<string, any>;

/** The `promotion:governance` value of a real stack file, as plain data. */
export function governanceOf(stack: string, projectDir = PROJECT_DIR): Governance {
  const doc = parseDocument(fs.readFileSync(stackFilePath(projectDir, stack), "utf8"));
  return (doc.getIn(["config", "promotion:governance"]) as { toJSON(): Governance }).toJSON();
}

const made: string[] = [];

/**
 * A copy of the project's Pulumi.yaml and stack files in a new temporary directory, with each
 * stack's governance passed through `edit`, which changes it in place (or returns a replacement,
 * or `null` to drop the key from that stack file).
 */
export function governanceProject(
  edit: (stack: string, governance: Governance) => Governance | null | void,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "governance-"));
  made.push(dir);
  fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  for (const stack of listStacks(PROJECT_DIR)) {
    const doc = parseDocument(fs.readFileSync(stackFilePath(PROJECT_DIR, stack), "utf8"));
    const governance = governanceOf(stack);
    const edited = edit(stack, governance);
    if (edited === null) doc.deleteIn(["config", "promotion:governance"]);
    else doc.setIn(["config", "promotion:governance"], edited ?? governance);
    fs.writeFileSync(stackFilePath(dir, stack), doc.toString());
  }
  return dir;
}

/** Removes every directory governanceProject made. */
export function removeGovernanceProjects(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
