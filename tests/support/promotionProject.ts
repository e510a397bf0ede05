/**
 * Temporary projects made from a frozen fixture (tests/fixtures/) with some stack files changed
 * (clusters, a half-done canary), and the stack outputs the program reads from other stacks
 * through stack references.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { listStacks, stackFilePath } from "../../config/stackFiles";
import { SEED } from "../fixtures";

/** Each stack file's `config:` map, by stack name. */
export type StackFiles = Record<string, Record<string, any>>;

const created: string[] = [];

/**
 * Copies Pulumi.yaml and the stack files of a fixture project (the seed chain unless `from` names
 * another) into a temporary project, changed by `edit`. The GitHub governance keys are left out:
 * they are not what these projects test.
 */
export function tempProject(edit: (stacks: StackFiles) => void, from: string = SEED.dir): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-project-"));
  created.push(dir);
  fs.copyFileSync(path.join(from, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const stacks: StackFiles = {};
  for (const stack of listStacks(from)) {
    const file = parse(fs.readFileSync(stackFilePath(from, stack), "utf8"));
    delete file.config["promotion:governance"];
    stacks[stack] = file.config;
  }
  edit(stacks);
  for (const [stack, config] of Object.entries(stacks)) {
    fs.writeFileSync(stackFilePath(dir, stack), stringify({ config }));
  }
  return dir;
}

/**
 * Copies a fixture project (the seed chain unless `from` names another) into a temporary project,
 * with `edit` changing stack files as text (for syntax errors, secrets, comments kept).
 */
export function editedFixture(
  edit: (files: Record<string, string>) => void,
  from: string = SEED.dir,
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-project-"));
  created.push(dir);
  fs.copyFileSync(path.join(from, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const files: Record<string, string> = {};
  for (const stack of listStacks(from)) {
    files[stack] = fs.readFileSync(stackFilePath(from, stack), "utf8");
  }
  edit(files);
  for (const [stack, text] of Object.entries(files)) {
    fs.writeFileSync(stackFilePath(dir, stack), text);
  }
  return dir;
}

export function removeTempProjects(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The `apps` output of a stack whose dex runs `tag`. */
export function appsOutput(environment: string, tag: string, namespace = `dex-${environment}`) {
  return {
    dex: {
      image: "ghcr.io/data-literate/dex",
      tag,
      applicationName: `dex-${environment}`,
      syncMode: "automated",
      namespace,
    },
  };
}
