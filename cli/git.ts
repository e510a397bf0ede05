/** The git commands the command line runs, as a thin layer over Run. */
import { CommandFailed, type Run } from "./io";
import { readApps } from "./stackText";
import type { StackVersion } from "./plan/history";

export class Git {
  constructor(
    private readonly run: Run,
    /** Where git runs: the project directory. */
    private readonly cwd: string,
  ) {}

  git(...args: string[]): string {
    return this.run("git", args, { cwd: this.cwd });
  }

  isRepository(): boolean {
    try {
      return this.git("rev-parse", "--is-inside-work-tree").trim() === "true";
    } catch (error) {
      if (error instanceof CommandFailed) return false;
      throw error;
    }
  }

  /** `git status --porcelain` lines: uncommitted and untracked files. */
  uncommitted(): string[] {
    return this.git("status", "--porcelain")
      .split("\n")
      .filter((line) => line.trim() !== "");
  }

  /** The checked-out branch, or undefined on a detached HEAD. */
  currentBranch(): string | undefined {
    const name = this.git("rev-parse", "--abbrev-ref", "HEAD").trim();
    return name === "HEAD" ? undefined : name;
  }

  head(): string {
    return this.git("rev-parse", "HEAD").trim();
  }

  branchExists(name: string): boolean {
    try {
      this.git("rev-parse", "--verify", "--quiet", `refs/heads/${name}`);
      return true;
    } catch (error) {
      if (error instanceof CommandFailed) return false;
      throw error;
    }
  }

  /** Whether the remote has the branch; false when the remote cannot be asked. */
  remoteBranchExists(remote: string, name: string): boolean {
    try {
      return this.git("ls-remote", "--heads", remote, `refs/heads/${name}`).trim() !== "";
    } catch (error) {
      if (error instanceof CommandFailed) return false;
      throw error;
    }
  }

  remotes(): string[] {
    return this.git("remote")
      .split("\n")
      .map((r) => r.trim())
      .filter(Boolean);
  }

  /**
   * The versions of a file, newest first, following renames: each commit that touched it, with
   * the apps read from the file as it was in that commit.
   */
  stackHistory(file: string): StackVersion[] {
    const log = this.git(
      "log",
      "--follow",
      "--name-only",
      "--format=%x1e%H%x1f%cI%x1f%s",
      "--",
      file,
    );
    const versions: StackVersion[] = [];
    for (const entry of log.split("\x1e").filter((e) => e.trim() !== "")) {
      const [header, ...rest] = entry.split("\n");
      const [commit, date, subject] = header.split("\x1f");
      const pathAtCommit = rest.map((l) => l.trim()).find(Boolean);
      if (!commit || !pathAtCommit) continue;
      let text: string;
      try {
        // The path from --name-only is relative to the repository root.
        text = this.git("show", `${commit}:${pathAtCommit}`);
      } catch (error) {
        if (error instanceof CommandFailed) continue; // the commit deleted the file
        throw error;
      }
      versions.push({ commit, date, subject, apps: readApps(text) });
    }
    return versions;
  }
}
