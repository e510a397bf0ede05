/**
 * Carrying out a plan: edit the stack file on a new branch, commit only that file, push to
 * origin, open the pull request with gh. With --dry-run, print all of it and change nothing.
 */
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentConfig } from "../config/types";
import { unifiedDiff } from "./diff";
import { EXIT_OK, EXIT_REFUSED } from "./exitCodes";
import type { Git } from "./git";
import type { CliIo } from "./io";
import type { ChangePlan } from "./plan/change";
import { prText } from "./prText";
import { editStackText } from "./stackText";

export interface ApplyContext {
  io: CliIo;
  git: Git;
  dryRun: boolean;
  /** The environments in chain order. */
  order: string[];
  /** The environment the plan changes. */
  target: EnvironmentConfig;
  /** The command line, for the PR footer. */
  command: string;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line ? `    ${line}` : line))
    .join("\n");
}

function dirtyRefusal(dirty: string[]): string {
  const shown = dirty.slice(0, 10).map((line) => `  ${line}`);
  if (dirty.length > 10) shown.push(`  ... and ${dirty.length - 10} more`);
  return [
    "the working tree has uncommitted changes; commit or stash them first (`git stash -u`), so the commit holds only the stack file:",
    ...shown,
  ].join("\n");
}

export function applyPlan(plan: ChangePlan, ctx: ApplyContext): number {
  const { io, git } = ctx;
  const file = path.join(io.cwd, plan.file);
  const before = fs.readFileSync(file, "utf8");
  const after = editStackText(before, plan.file, plan.edits);
  const pr = prText(plan, { order: ctx.order, target: ctx.target, command: ctx.command });
  const commitMessage = `${plan.commitSubject}\n\n${plan.commitBody}`;
  for (const note of plan.notes) io.err(`note: ${note}`);

  if (ctx.dryRun) {
    io.out(
      [
        "Dry run: nothing is changed.",
        "",
        unifiedDiff(plan.file, before, after),
        "",
        `Branch: ${plan.branch}`,
        "Commit message:",
        indent(commitMessage),
        "",
        `Pull request: ${pr.title}`,
        indent(pr.body),
      ].join("\n"),
    );
    const dirty = git.isRepository() ? git.uncommitted() : [];
    if (dirty.length > 0) io.err(`warning: a real run would be refused: ${dirtyRefusal(dirty)}`);
    return EXIT_OK;
  }

  const dirty = git.uncommitted();
  if (dirty.length > 0) {
    io.err(`Refused: ${dirtyRefusal(dirty)}`);
    return EXIT_REFUSED;
  }
  if (git.branchExists(plan.branch)) {
    io.err(
      `Refused: branch ${plan.branch} already exists, so this change was probably made before: look for its pull request (\`gh pr list --head ${plan.branch}\`), or delete the branch (\`git branch -D ${plan.branch}\`) and run again`,
    );
    return EXIT_REFUSED;
  }
  const hasOrigin = git.remotes().includes("origin");
  if (hasOrigin && git.remoteBranchExists("origin", plan.branch)) {
    io.err(
      `Refused: branch ${plan.branch} is on origin already, from an earlier change: look for its pull request (\`gh pr list --head ${plan.branch} --state all\`); once it is merged or closed, delete the branch (\`git push origin --delete ${plan.branch}\`) and run again`,
    );
    return EXIT_REFUSED;
  }
  const original = git.currentBranch();
  const back = original ?? git.head();
  git.git("checkout", "--quiet", "-b", plan.branch);
  try {
    fs.writeFileSync(file, after);
    git.git("add", "--", plan.file);
    git.git("commit", "--quiet", "-m", plan.commitSubject, "-m", plan.commitBody, "--", plan.file);
  } catch (error) {
    fs.writeFileSync(file, before);
    git.git("checkout", "--quiet", back);
    git.git("branch", "-D", plan.branch);
    throw error;
  }
  io.out(`Committed "${plan.commitSubject}" on branch ${plan.branch} (only ${plan.file}).`);

  let status = EXIT_OK;
  let pushed = false;
  try {
    if (hasOrigin) {
      git.git("push", "--quiet", "--set-upstream", "origin", plan.branch);
      pushed = true;
      io.out(`Pushed ${plan.branch} to origin.`);
    } else {
      io.err(
        `There is no remote named origin: push the branch yourself (\`git push <remote> ${plan.branch}\`).`,
      );
    }
    if (pushed && io.onPath("gh")) {
      const args = ["pr", "create", "--head", plan.branch, "--title", pr.title, "--body-file", "-"];
      if (original) args.push("--base", original);
      const url = io.run("gh", args, { cwd: io.cwd, input: pr.body }).trim();
      io.out(`Opened the pull request: ${url}`);
    } else {
      const why = pushed ? "gh is not on PATH" : "the branch is not pushed";
      io.out(
        [
          `Open the pull request yourself (${why}), from ${plan.branch}${original ? ` into ${original}` : ""}:`,
          "",
          `Title: ${pr.title}`,
          "",
          pr.body,
        ].join("\n"),
      );
    }
  } catch (error) {
    io.err(
      [
        `Stopped after the commit: ${error instanceof Error ? error.message : String(error)}`,
        `The commit is on branch ${plan.branch}; push it and open the pull request by hand:`,
        "",
        `Title: ${pr.title}`,
        "",
        pr.body,
      ].join("\n"),
    );
    status = EXIT_REFUSED;
  } finally {
    git.git("checkout", "--quiet", back);
  }
  io.out(`Back on ${original ?? `detached HEAD ${back.slice(0, 7)}`}.`);
  return status;
}
