/** What the ci command asks git: the base commit, the files a change touches, uncommitted edits. */
import { closest } from "../rules/suggest";
import { CiFailure, UsageError } from "./errors";
import { GitFailed, type Git } from "./io";

export interface Range {
  /** `--base` as given. */
  base: string;
  baseCommit: string;
  /** Where HEAD's history left the base: what `<base>...HEAD` compares from. */
  mergeBase: string;
  head: string;
}

const short = (commit: string): string => commit.slice(0, 12);

export const shortCommit = short;

function refs(git: Git): string[] {
  try {
    return git([
      "for-each-ref",
      "--format=%(refname:short)",
      "refs/heads",
      "refs/remotes",
      "refs/tags",
    ])
      .split("\n")
      .map((r) => r.trim())
      .filter((r) => r !== "" && !r.endsWith("/HEAD"));
  } catch {
    return [];
  }
}

function unknownBase(git: Git, base: string): UsageError {
  const known = refs(git);
  const suggestion = closest(base, known);
  const listed =
    known.length > 0
      ? ` (branches and tags here: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", ..." : ""})`
      : "";
  return new UsageError(
    `--base ${JSON.stringify(base)} is not a commit this repository has${
      suggestion && suggestion !== base ? ` (did you mean "${suggestion}"?)` : ""
    }; accepted: a branch, tag or commit of this repository${listed}. ` +
      "In a GitHub Actions checkout, fetch it first (actions/checkout with fetch-depth: 0, or `git fetch origin <branch>`) and pass origin/<branch>.",
  );
}

/** Resolves `--base` and the merge base with HEAD; a bad ref is a usage error. */
export function resolveRange(git: Git, base: string): Range {
  if (base.startsWith("-")) {
    throw new UsageError(
      `--base ${JSON.stringify(base)} looks like an option, not a git ref; accepted: a branch, tag or commit`,
    );
  }
  try {
    if (git(["rev-parse", "--is-inside-work-tree"]).trim() !== "true") throw new Error();
  } catch {
    throw new CiFailure(
      "not inside a git work tree: run npm run ci from a checkout of the repository",
    );
  }
  let baseCommit: string;
  try {
    baseCommit = git(["rev-parse", "--verify", "--quiet", `${base}^{commit}`]).trim();
  } catch (error) {
    if (error instanceof GitFailed) throw unknownBase(git, base);
    throw error;
  }
  if (baseCommit === "") throw unknownBase(git, base);
  const head = git(["rev-parse", "HEAD"]).trim();
  let mergeBase: string;
  try {
    mergeBase = git(["merge-base", baseCommit, head]).trim();
  } catch (error) {
    if (!(error instanceof GitFailed)) throw error;
    let shallow = false;
    try {
      shallow = git(["rev-parse", "--is-shallow-repository"]).trim() === "true";
    } catch {
      // an old git: say what to try anyway
    }
    throw new CiFailure(
      `${base} and HEAD have no common ancestor here, so ${base}...HEAD has no changes to read` +
        (shallow
          ? ": this is a shallow clone; fetch the history (actions/checkout with fetch-depth: 0, or `git fetch --unshallow`)"
          : ": is --base a commit of this branch's history?"),
    );
  }
  return { base, baseCommit, mergeBase, head };
}

/** Files changed between the merge base and HEAD, relative to the project directory. */
export function changedPaths(git: Git, range: Range): string[] {
  const out = git([
    "diff",
    "--name-only",
    "--no-renames",
    "--relative",
    "-z",
    `${range.mergeBase}`,
    range.head,
  ]);
  return out.split("\0").filter((p) => p !== "");
}

/** Files with edits not committed (tracked and untracked), relative to the project directory. */
export function uncommittedPaths(git: Git): string[] {
  const tracked = git(["diff", "--name-only", "--relative", "-z", "HEAD"]);
  const untracked = git(["ls-files", "--others", "--exclude-standard", "-z"]);
  return [
    ...new Set([...tracked.split("\0"), ...untracked.split("\0")].filter((p) => p !== "")),
  ].sort();
}
