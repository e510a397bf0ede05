/**
 * Branch per environment (seed 003: dev, staging and prod each from its own branch; seed 001: dev
 * from `dev`, stage and prod from `main`): each environment's stack file is read from the branch
 * that feeds it (`promotion:governance.branch`), not from whatever is checked out, so `promote`
 * takes the tag the upstream's own branch pins and `status` shows what each branch pins.
 *
 * The branch is read as git has it here: `origin/<branch>` when the remote-tracking branch exists
 * (after a `git fetch`), else the local `<branch>`; a branch git does not have falls back to the
 * working tree's file, and the single-branch model (every branch the checked-out one) reads the
 * working tree exactly as before.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandFailed } from "./io";
import type { Git } from "./git";
import { loadProject, type LoadedProject } from "./load";
import { Refused } from "./errors";

/** The ref a branch is read from: `origin/<branch>`, else `<branch>`; undefined when git lacks both. */
export function branchRef(git: Git, branch: string): string | undefined {
  for (const ref of [`refs/remotes/origin/${branch}`, `refs/heads/${branch}`]) {
    try {
      git.git("rev-parse", "--verify", "--quiet", ref);
      return ref.replace(/^refs\/(remotes|heads)\//, "");
    } catch (error) {
      if (!(error instanceof CommandFailed)) throw error;
    }
  }
  return undefined;
}

/** A file as it is at `ref`, or undefined when the ref has no such file. */
export function fileAt(git: Git, ref: string, file: string): string | undefined {
  try {
    return git.git("show", `${ref}:${file}`);
  } catch (error) {
    if (error instanceof CommandFailed) return undefined;
    throw error;
  }
}

export interface BranchProject extends LoadedProject {
  /** Per environment, the ref its stack file was read from; absent: the working tree. */
  refs: Record<string, string>;
}

/**
 * Loads every stack file from the branch that feeds its environment. The working tree's files say
 * which branch that is; a file read from another branch is validated there with the others, as
 * the program would see the chain.
 */
export function loadFromBranches(projectDir: string, git: Git): BranchProject {
  const working = loadProject(projectDir);
  if (!git.isRepository()) return { ...working, refs: {} };
  const current = git.currentBranch();
  const refs: Record<string, string> = {};
  const texts: Record<string, string> = {};
  for (const state of working.states) {
    const branch = state.config.governance?.branch;
    if (!branch || branch === current) continue;
    const ref = branchRef(git, branch);
    const text = ref ? fileAt(git, ref, state.file) : undefined;
    if (ref && text !== undefined) {
      refs[state.config.environment] = ref;
      texts[state.file] = text;
    }
  }
  if (Object.keys(texts).length === 0) return { ...working, refs };

  const view = fs.mkdtempSync(path.join(os.tmpdir(), "promotion-branches-"));
  try {
    for (const entry of fs.readdirSync(projectDir)) {
      if (entry === "Pulumi.yaml" || /^Pulumi\.[^.]+\.yaml$/.test(entry)) {
        fs.copyFileSync(path.join(projectDir, entry), path.join(view, entry));
      }
    }
    for (const [file, text] of Object.entries(texts)) fs.writeFileSync(path.join(view, file), text);
    return { ...loadProject(view), refs };
  } finally {
    fs.rmSync(view, { recursive: true, force: true });
  }
}

/** Every stack file from its own branch; refused, like loadStates, if any is broken. */
export function loadStatesFromBranches(
  projectDir: string,
  git: Git,
): { states: BranchProject["states"]; refs: Record<string, string> } {
  const { states, broken, refs } = loadFromBranches(projectDir, git);
  if (broken.length > 0) {
    const problems = broken.flatMap((b) => b.problems).map((p) => `  ${p}`);
    throw new Refused(["fix the stack file first:", ...problems].join("\n"));
  }
  return { states, refs };
}
